// The authentication decision: does this code, typed now, let this user in?
//
// A code is accepted when some device of the user produces it for a time step within
// +-window steps of now that is later than the last step accepted on that device (so a code
// can never be used twice, even across concurrent logins: the store serialises updates).
// The result and the new state (last step, consecutive failures) are recorded in one locked
// update. Every device and every step in the window is computed and compared in constant time,
// whatever matches, so timing does not tell which device or step matched.
#ifndef PAMTOTP_CORE_VERIFIER_H_
#define PAMTOTP_CORE_VERIFIER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/secret_bytes.h"
#include "core/status.h"
#include "core/store.h"

namespace pamtotp {

// Longest input looked at; anything longer is refused without parsing.
inline constexpr size_t kMaxCodeInput = 64;

// The code as typed, with ASCII spaces removed ("123 456" is how apps show it), if it is 6 to 8
// ASCII digits. Anything else (letters, Unicode digits, NUL, too long) is InvalidArgument.
Result<SecretBytes> NormalizeCode(std::string_view input);

enum class Verdict {
  kAccepted,   // a device matched a fresh step
  kWrongCode,  // no device matched any step in the window
  kReplayed,   // matched only a step already used on that device
  kNoDevices,  // the user has no devices enrolled
};

struct Outcome {
  Verdict verdict = Verdict::kWrongCode;
  std::string device_name;  // the device that matched (accepted or replayed)
  int offset = 0;           // matched step minus the current step
  uint32_t failures = 0;    // consecutive failures after this attempt
};

// `code` must come from NormalizeCode. `now` is unix seconds. An error means the store could
// not be used safely; the caller must deny.
Result<Outcome> VerifyCode(Store& store, std::string_view user, const SecretBytes& code,
                           int64_t now, int window);

// Counts a failed attempt whose input was not a code at all (letters, too long...), so that
// malformed guesses are throttled like wrong ones. Does nothing for a user with no devices.
Status RecordFailure(Store& store, std::string_view user, int64_t now);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_VERIFIER_H_
