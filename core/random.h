// Randomness, always from OpenSSL's CSPRNG (RAND_bytes, seeded from the OS). Thread-safe.
#ifndef PAMTOTP_CORE_RANDOM_H_
#define PAMTOTP_CORE_RANDOM_H_

#include <string>

#include "core/otp.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

Result<SecretBytes> RandomBytes(size_t count);
// A new key of the size RFC 4226/6238 recommend for `algorithm` (160, 256 or 512 bits).
Result<SecretBytes> GenerateSecret(HashAlgorithm algorithm);
// A device id: 16 lower-case hex characters (64 random bits), stable across renames.
Result<std::string> GenerateDeviceId();

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_RANDOM_H_
