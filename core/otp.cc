#include "core/otp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>
#include <string>

namespace pamtotp {

std::string_view AlgorithmName(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return "SHA1";
    case HashAlgorithm::kSha256:
      return "SHA256";
    case HashAlgorithm::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

std::optional<HashAlgorithm> ParseAlgorithm(std::string_view name) {
  std::string upper;
  for (char c : name) {
    if (c == '-') continue;
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (upper == "SHA1") return HashAlgorithm::kSha1;
  if (upper == "SHA256") return HashAlgorithm::kSha256;
  if (upper == "SHA512") return HashAlgorithm::kSha512;
  return std::nullopt;
}

size_t RecommendedKeyBytes(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return 20;
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 20;
}

namespace {

const EVP_MD* Digest(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return EVP_sha1();
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  return nullptr;
}

constexpr std::array<uint32_t, kMaxDigits + 1> kPowersOfTen = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

}  // namespace

Result<uint32_t> Hotp(const SecretBytes& key, uint64_t counter, HashAlgorithm algorithm,
                      int digits) {
  if (digits < kMinDigits || digits > kMaxDigits) {
    return Status::InvalidArgument("digits must be 6, 7 or 8");
  }
  if (key.empty()) return Status::InvalidArgument("the key is empty");
  std::array<uint8_t, 8> message;
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac;
  unsigned int mac_len = 0;
  if (HMAC(Digest(algorithm), key.data(), static_cast<int>(key.size()), message.data(),
           message.size(), mac.data(), &mac_len) == nullptr ||
      mac_len < 20) {
    return Status::Internal("HMAC failed in OpenSSL");
  }
  // Dynamic truncation, RFC 4226 section 5.3.
  size_t offset = mac[mac_len - 1] & 0x0f;
  uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                    (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                    (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  OPENSSL_cleanse(mac.data(), mac.size());
  return binary % kPowersOfTen[static_cast<size_t>(digits)];
}

Result<uint64_t> TimeStep(int64_t unix_seconds, int period) {
  if (period < kMinPeriod || period > kMaxPeriod) {
    return Status::InvalidArgument("period must be between 1 and 3600 seconds");
  }
  if (unix_seconds < 0) return Status::InvalidArgument("the clock is before 1970");
  return static_cast<uint64_t>(unix_seconds) / static_cast<uint64_t>(period);
}

SecretBytes FormatCode(uint32_t value, int digits) {
  SecretBytes out(static_cast<size_t>(digits));
  for (int i = digits - 1; i >= 0; --i) {
    out.data()[i] = static_cast<uint8_t>('0' + value % 10);
    value /= 10;
  }
  return out;
}

}  // namespace pamtotp
