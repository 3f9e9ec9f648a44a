#include "core/random.h"

#include <openssl/rand.h>

#include <climits>

#include "core/hex.h"

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
  return HexEncode(raw->bytes());
}

}  // namespace pamtotp
