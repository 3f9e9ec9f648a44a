#include "core/secret_bytes.h"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

namespace pamtotp {

SecretBytes::SecretBytes(size_t size) {
  Reserve(size);
  size_ = size;
}

SecretBytes::SecretBytes(const void* data, size_t size) {
  Reserve(size);
  if (size > 0) std::memcpy(data_.get(), data, size);
  size_ = size;
}

SecretBytes::~SecretBytes() { Clear(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void SecretBytes::Reserve(size_t capacity) {
  if (capacity <= capacity_) return;
  size_t grown = capacity_ < 32 ? 32 : capacity_ * 2;
  if (grown < capacity) grown = capacity;
  auto fresh = std::make_unique<uint8_t[]>(grown);  // zero-filled
  if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_);
  if (data_) OPENSSL_cleanse(data_.get(), capacity_);
  data_ = std::move(fresh);
  capacity_ = grown;
}

void SecretBytes::Append(std::string_view text) {
  if (text.empty()) return;
  Reserve(size_ + text.size());
  std::memcpy(data_.get() + size_, text.data(), text.size());
  size_ += text.size();
}

void SecretBytes::Truncate(size_t size) {
  if (size >= size_) return;
  OPENSSL_cleanse(data_.get() + size, size_ - size);
  size_ = size;
}

void SecretBytes::Clear() {
  if (data_) OPENSSL_cleanse(data_.get(), capacity_);
  data_.reset();
  size_ = 0;
  capacity_ = 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pamtotp
