// The authentication decision: does this input, typed now, let this user in?
//
// Under the store's per-user lock, in one update of the login state:
// 1. A user locked out (max_failures consecutive failures, until lockout_time has passed or
//    "totpctl unlock") is refused without looking at the input. After kBackoffAfter failures,
//    an attempt that comes sooner than the backoff allows is refused as throttled; neither of
//    these counts as a failure, so only real failures move the lockout closer.
// 2. 6-8 digits are checked against every device: TOTP within +-window steps of now, HOTP
//    within hotp_window counters after the last one used. A step or counter at or below the
//    last one accepted on that device is refused (replay), always.
// 3. Twelve letters ("abcd-efgh-ijkl") are checked against the unused recovery codes, and so
//    are 8 digits that matched no device at all (not even a used step): a recovery set may
//    hold imported google-authenticator scratch codes (recovery.h).
// Every device and every candidate step is computed and compared in constant time, whatever
// matches, so timing does not tell which device matched.
#ifndef PAMTOTP_CORE_VERIFIER_H_
#define PAMTOTP_CORE_VERIFIER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/secret_bytes.h"
#include "core/status.h"
#include "core/store.h"

namespace pamtotp {

inline constexpr size_t kMaxCodeInput = 64;   // longer input is refused without parsing
inline constexpr uint32_t kBackoffAfter = 3;  // failures before backoff starts
inline constexpr int64_t kMaxBackoff = 60;    // seconds
inline constexpr int kDriftSteps = 20;        // how far a wrong TOTP code is looked up, in steps
inline constexpr uint64_t kHotpResyncRange = 100;  // counters beyond hotp_window for a resync
inline constexpr int64_t kResyncSeconds = 300;     // the second resync code must come by then

// The code as typed, with ASCII spaces removed ("123 456" is how apps show it), if it is 6 to 8
// ASCII digits. Anything else (letters, Unicode digits, NUL, too long) is InvalidArgument.
Result<SecretBytes> NormalizeCode(std::string_view input);

// Seconds that must pass after the last failure before the next attempt is checked.
int64_t BackoffSeconds(uint32_t failures);

enum class Verdict {
  kAccepted,          // a device matched a fresh step or counter
  kRecoveryAccepted,  // an unused recovery code matched; it is now spent
  kWrongCode,         // nothing matched
  kReplayed,          // matched only a step, counter or recovery code already used
  kMalformed,         // the input is neither a code nor a recovery code
  kResyncNeeded,      // an HOTP token is far ahead: the next code will resynchronise it
  kLocked,            // too many failures; input not checked
  kThrottled,         // too soon after the last failure; input not checked
  kNoDevices,         // the user has no devices enrolled
  kBeforeBoot,        // a TOTP step a login before the last boot may have used (see Clock)
};

struct Outcome {
  Verdict verdict = Verdict::kWrongCode;
  std::string device_name;  // the device that matched (accepted, replayed, resync)
  int64_t offset = 0;       // TOTP: matched step - current step; HOTP: counters skipped
  uint32_t failures = 0;    // consecutive failures after this attempt
  // kWrongCode on a TOTP device: the code is right for a step this far from now (clock off).
  std::optional<int64_t> drift;
  int64_t retry_at = 0;      // kLocked, kThrottled: when an attempt is checked again (0: unlock)
  size_t recovery_left = 0;  // kRecoveryAccepted: unused codes left
  std::string detail;        // kMalformed: what is wrong with the input
};

// When a check happens, in unix seconds: the wall clock, and when the system booted. Login
// state is written without a sync to disk (store.h), so a crash may lose the record of a code
// used just before it. Hence a TOTP step that a login before the boot could have used (any
// step up to the boot's step + window) is never accepted after it: a code seen before a crash
// cannot be replayed after it, whatever the disk lost. boot_time 0 means unknown: only for
// tests and for checks that concern no earlier use (a device being enrolled).
struct Clock {
  int64_t now = 0;
  int64_t boot_time = 0;
};

// The system's wall clock and boot time (CLOCK_REALTIME minus CLOCK_BOOTTIME).
Clock SystemClock();

// Whether `state` is locked out at `now` under `config`; if so, `until` is when it ends
// (0: until unlocked).
bool IsLockedOut(const UserState& state, int64_t now, const Config& config, int64_t& until);

// Checks `input` for `user` at `clock` with the limits in `config`. An error
// means the store could not be used safely; the caller must deny.
Result<Outcome> VerifyInput(Store& store, std::string_view user, std::string_view input,
                            const Clock& clock, const Config& config);

// True if `code` is `device`'s TOTP code for a step within +-window of `now`. Looks at no
// state: for checking a new device before it is saved.
Result<bool> IsCurrentCode(const Device& device, const SecretBytes& code, int64_t now, int window);

// Records `code` as used on device `device_id` if it is that device's code within +-window
// steps of `now`: the code typed to confirm a new device must not also log in. Ignores the
// lockout and backoff and counts nothing. NotFound if the code does not match.
Status MarkCodeUsed(Store& store, std::string_view user, std::string_view device_id,
                    const SecretBytes& code, int64_t now, int window);

// Sets the failure count to zero ("totpctl unlock").
Status ResetFailures(Store& store, std::string_view user);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_VERIFIER_H_
