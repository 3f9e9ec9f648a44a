// One-time recovery codes for a lost device: shown once, stored only as salted scrypt hashes.
//
// A code is 12 characters from the lower-case base32 alphabet (60 random bits), shown as
// "abcd-efgh-ijkl". All codes of a set share one random salt, so checking an attempt costs one
// scrypt whatever the number of codes; the 60 bits of each code, not the salt, are what keeps
// a stolen store from revealing them. Which codes are used is login state (UserState), so a
// login never rewrites the set. Pure functions except for the RNG; thread-safe.
#ifndef PAMTOTP_CORE_RECOVERY_H_
#define PAMTOTP_CORE_RECOVERY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

inline constexpr size_t kRecoveryCodeLetters = 12;
inline constexpr size_t kMaxRecoveryCodes = 32;  // fits the used-codes bit mask
inline constexpr size_t kDefaultRecoveryCodes = 10;
inline constexpr size_t kRecoveryHashBytes = 16;
inline constexpr size_t kRecoverySaltBytes = 16;

struct RecoveryParams {
  int log2_n = 14;  // scrypt N = 2^14: 16 MiB and tens of milliseconds per attempt
  int r = 8;
  int p = 1;
};

struct RecoverySet {
  std::string id;  // 16 hex characters; a new set gets a new id, so old "used" marks lapse
  int64_t created = 0;
  RecoveryParams params;
  std::array<uint8_t, kRecoverySaltBytes> salt{};
  std::vector<std::array<uint8_t, kRecoveryHashBytes>> hashes;
};

struct NewRecoveryCodes {
  RecoverySet set;                 // to store
  std::vector<SecretBytes> codes;  // to show once, "abcd-efgh-ijkl"
};

Result<NewRecoveryCodes> GenerateRecoveryCodes(size_t count, int64_t now,
                                               RecoveryParams params = {});

// The 12 letters of a recovery code as typed ("ABCD-efgh ijkl" is fine), lower-cased, or
// InvalidArgument if it is not one.
Result<SecretBytes> NormalizeRecoveryCode(std::string_view input);

// Index of the code in `set` that `normalized` is, or nullopt. One scrypt, then every stored
// hash compared in constant time.
Result<std::optional<size_t>> MatchRecoveryCode(const RecoverySet& set,
                                                const SecretBytes& normalized);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_RECOVERY_H_
