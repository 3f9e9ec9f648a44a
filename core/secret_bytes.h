// SecretBytes: the only type that holds key material, codes, and text that contains them
// (a base32 key, an otpauth URI, a store file's contents).
//
// Move-only. The buffer is wiped with OPENSSL_cleanse when it is released, when the object is
// moved from, and when it grows (the old buffer is wiped before it is freed). Not thread-safe;
// one owner at a time.
#ifndef PAMTOTP_CORE_SECRET_BYTES_H_
#define PAMTOTP_CORE_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace pamtotp {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size);  // `size` zero bytes
  SecretBytes(const void* data, size_t size);
  static SecretBytes FromString(std::string_view text) {
    return SecretBytes(text.data(), text.size());
  }
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit copy, so that every duplication of a secret is visible in the code.
  SecretBytes Clone() const { return SecretBytes(data_.get(), size_); }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> bytes() const { return {data_.get(), size_}; }
  // The bytes as text; valid until the next change to this object.
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }

  void Append(std::string_view text);
  void Append(const SecretBytes& other) { Append(other.view()); }
  void push_back(char c) { Append(std::string_view(&c, 1)); }
  // Shrinks to `size` bytes, wiping the bytes cut off.
  void Truncate(size_t size);
  // Wipes and empties.
  void Clear();

 private:
  void Reserve(size_t capacity);

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Constant-time equality of two byte strings. The lengths are not secret (a code's length is
// public) and are compared first.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_SECRET_BYTES_H_
