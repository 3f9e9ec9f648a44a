#include "core/otp.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cctype>
#include <string>
#include <utility>

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

constexpr std::array<uint32_t, kMaxDigits + 1> kPowersOfTen = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

}  // namespace

Result<HotpGenerator> HotpGenerator::Create(const SecretBytes& key, HashAlgorithm algorithm,
                                            int digits) {
  if (digits < kMinDigits || digits > kMaxDigits) {
    return Status::InvalidArgument("digits must be 6, 7 or 8");
  }
  if (key.empty()) return Status::InvalidArgument("the key is empty");
  HotpGenerator generator;
  generator.digits_ = digits;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return Status::Internal("OpenSSL has no HMAC");
  generator.context_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  if (generator.context_ == nullptr) return Status::Internal("out of memory for an HMAC context");
  char digest[16];
  std::string_view name = AlgorithmName(algorithm);
  name.copy(digest, sizeof digest - 1);
  digest[name.size()] = '\0';
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  if (EVP_MAC_init(generator.context_, key.data(), key.size(), params) != 1) {
    return Status::Internal("HMAC key setup failed in OpenSSL");
  }
  return generator;
}

HotpGenerator::HotpGenerator(HotpGenerator&& other) noexcept
    : context_(std::exchange(other.context_, nullptr)), digits_(other.digits_) {}

HotpGenerator& HotpGenerator::operator=(HotpGenerator&& other) noexcept {
  if (this != &other) {
    Free();
    context_ = std::exchange(other.context_, nullptr);
    digits_ = other.digits_;
  }
  return *this;
}

HotpGenerator::~HotpGenerator() { Free(); }

void HotpGenerator::Free() {
  EVP_MAC_CTX_free(context_);  // wipes the key it holds
  context_ = nullptr;
}

Result<uint32_t> HotpGenerator::At(uint64_t counter) {
  std::array<uint8_t, 8> message;
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac;
  size_t mac_len = 0;
  // A null key restarts the MAC with the key given at Create.
  if (context_ == nullptr || EVP_MAC_init(context_, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(context_, message.data(), message.size()) != 1 ||
      EVP_MAC_final(context_, mac.data(), &mac_len, mac.size()) != 1 || mac_len < 20) {
    return Status::Internal("HMAC failed in OpenSSL");
  }
  // Dynamic truncation, RFC 4226 section 5.3.
  size_t offset = mac[mac_len - 1] & 0x0f;
  uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                    (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                    (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  OPENSSL_cleanse(mac.data(), mac.size());
  return binary % kPowersOfTen[static_cast<size_t>(digits_)];
}

Result<uint32_t> Hotp(const SecretBytes& key, uint64_t counter, HashAlgorithm algorithm,
                      int digits) {
  Result<HotpGenerator> generator = HotpGenerator::Create(key, algorithm, digits);
  if (!generator.ok()) return generator.status();
  return generator->At(counter);
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
