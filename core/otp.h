// HOTP (RFC 4226) and TOTP (RFC 6238) code generation.
//
// Units: `unix_seconds` is seconds since the epoch, `period` is seconds per time step, a
// `step` or `counter` is a count of periods (TOTP) or events (HOTP). Pure functions over the
// key; thread-safe. Codes are returned as numbers; format them with FormatCode into a
// SecretBytes, and compare texts with ConstantTimeEquals.
#ifndef PAMTOTP_CORE_OTP_H_
#define PAMTOTP_CORE_OTP_H_

#include <openssl/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

enum class HashAlgorithm { kSha1, kSha256, kSha512 };

inline constexpr int kMinDigits = 6;
inline constexpr int kMaxDigits = 8;
inline constexpr int kMinPeriod = 1;
inline constexpr int kMaxPeriod = 3600;

// "SHA1", "SHA256", "SHA512": the spelling every app accepts in an otpauth URI.
std::string_view AlgorithmName(HashAlgorithm algorithm);
// Accepts those names in any case, and "sha-1" style hyphens; nothing else.
std::optional<HashAlgorithm> ParseAlgorithm(std::string_view name);
// Key size recommended by RFC 4226/6238 for the algorithm: 20, 32 or 64 bytes.
size_t RecommendedKeyBytes(HashAlgorithm algorithm);

// The HOTP value for `counter`, already reduced to `digits` decimal digits.
Result<uint32_t> Hotp(const SecretBytes& key, uint64_t counter, HashAlgorithm algorithm,
                      int digits);

// HOTP values of one key for many counters (a window of steps, a drift scan), with one HMAC
// context keyed once and reused: about half the cost of calling Hotp for each counter. Holds
// the key inside OpenSSL's context, which wipes it when freed. Move-only; not thread-safe.
class HotpGenerator {
 public:
  static Result<HotpGenerator> Create(const SecretBytes& key, HashAlgorithm algorithm, int digits);
  HotpGenerator(HotpGenerator&& other) noexcept;
  HotpGenerator& operator=(HotpGenerator&& other) noexcept;
  HotpGenerator(const HotpGenerator&) = delete;
  HotpGenerator& operator=(const HotpGenerator&) = delete;
  ~HotpGenerator();

  Result<uint32_t> At(uint64_t counter);

 private:
  HotpGenerator() = default;
  void Free();

  EVP_MAC_CTX* context_ = nullptr;
  int digits_ = 0;
};

// The TOTP time step that contains `unix_seconds` (T0 = 0). Times before 1970 are refused.
Result<uint64_t> TimeStep(int64_t unix_seconds, int period);

// The code as text with leading zeros, e.g. "004217".
SecretBytes FormatCode(uint32_t value, int digits);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_OTP_H_
