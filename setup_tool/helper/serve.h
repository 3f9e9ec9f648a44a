// What totpctl-helper does with one request: for one user (the caller; never a name from the
// request), against the system store, under the administrator's policy. Everything here goes
// through core; the only I/O is the store's.
//
// The rules, besides the policy of pam_totp.conf (allow_self_*, max_devices, allowed_*):
// - Nothing but "show" ever puts a secret in a reply, and "show" only the caller's own.
// - A user who already has a device must approve "enroll", "remove", "show" and "recovery" with
//   a current code from a device or a recovery code, checked exactly like a login (VerifyInput:
//   lockout, backoff, the step used up). Someone who has only the user's password and a shell
//   can then neither add a device of their own, nor remove the user's, nor copy a key.
// - A new device's key is the caller's (totpctl made it): at least 128 bits, the settings the
//   policy allows, and, when "confirm" is given, the code the app showed for it must match; the
//   helper sets its creation time itself.
#ifndef PAMTOTP_SETUP_TOOL_HELPER_SERVE_H_
#define PAMTOTP_SETUP_TOOL_HELPER_SERVE_H_

#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/store.h"
#include "setup_tool/helper/protocol.h"

namespace pamtotp::helper {

inline constexpr size_t kMinKeyBytes = 16;  // RFC 4226: at least 128 bits

// The reply to `request` (already parsed, so its verb and keys are known). `now` is unix
// seconds. `summary` receives a line for the system log (no code, no secret).
Message Serve(const Message& request, const std::string& user, const Config& config, Store& store,
              int64_t now, std::string& summary);

}  // namespace pamtotp::helper

#endif  // PAMTOTP_SETUP_TOOL_HELPER_SERVE_H_
