// One-time recovery codes for a lost device: shown once, stored only as salted scrypt hashes.
//
// A code is 12 characters from the lower-case base32 alphabet (60 random bits), shown as
// "abcd-efgh-ijkl". All codes of a set share one random salt, so checking an attempt costs one
// scrypt whatever the number of codes; the 60 bits of each code, not the salt, are what keeps
// a stolen store from revealing them. Which codes are used is login state (UserState), so a
// login never rewrites the set. Pure functions except for the RNG; thread-safe.
//
// A set may instead hold imported scratch codes: the 8-digit emergency codes of a
// google-authenticator file ("totpctl import --google-authenticator"), hashed the same way. They
// carry only 26.6 bits each, so a stolen store gives them up to a patient attacker far sooner
// than our own codes; totpctl advises replacing them with "totpctl recovery-codes".
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
inline constexpr size_t kScratchCodeDigits = 8;  // an imported google-authenticator code

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

// Hashes codes that already exist (imported scratch codes) into a new set with a fresh id and
// salt. Each code must be what NormalizeRecoveryCode returns; at most kMaxRecoveryCodes, no
// code twice.
Result<RecoverySet> HashRecoveryCodes(const std::vector<SecretBytes>& normalized, int64_t now,
                                      RecoveryParams params = {});

// The 12 letters of a recovery code as typed ("ABCD-efgh ijkl" is fine), lower-cased, or an
// imported scratch code: exactly 8 ASCII digits ("1234 5678" and "1234-5678" are fine).
// InvalidArgument if it is neither.
Result<SecretBytes> NormalizeRecoveryCode(std::string_view input);

// True if `normalized` (from NormalizeRecoveryCode) is an 8-digit scratch code.
bool IsScratchCode(const SecretBytes& normalized);

// Index of the code in `set` that `normalized` is, or nullopt. One scrypt, then every stored
// hash compared in constant time.
Result<std::optional<size_t>> MatchRecoveryCode(const RecoverySet& set,
                                                const SecretBytes& normalized);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_RECOVERY_H_
