#include "core/random.h"

#include <openssl/rand.h>

#include <climits>

namespace pamtotp {

Result<SecretBytes> RandomBytes(size_t count) {
  SecretBytes out(count);
  if (count > INT_MAX || RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    return Status::Internal("the random number generator failed (OpenSSL RAND_bytes)");
  }
  return out;
}

Result<SecretBytes> GenerateSecret(HashAlgorithm algorithm) {
  return RandomBytes(RecommendedKeyBytes(algorithm));
}

Result<std::string> GenerateDeviceId() {
  Result<SecretBytes> raw = RandomBytes(8);
  if (!raw.ok()) return raw.status();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (uint8_t b : raw->bytes()) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

}  // namespace pamtotp
