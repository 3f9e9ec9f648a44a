// The self-service policy of pam_totp.conf (allow_self_*, max_devices, allowed_*) as totpctl
// applies it before it touches anything, so that a refusal comes before a key is shown.
// totpctl-helper applies the same core checks again for a store that belongs to root; for a
// store in the user's home directory these checks are all there is (the user owns the files).
#ifndef PAMTOTP_SETUP_TOOL_POLICY_H_
#define PAMTOTP_SETUP_TOOL_POLICY_H_

#include <cstddef>

#include "core/config.h"
#include "core/device.h"
#include "core/otp.h"
#include "setup_tool/context.h"

namespace pamtotp::totpctl {

// kExitOk if the caller may do `action` to their own devices (root always may); otherwise
// prints why ("... contact your administrator") and returns kExitFailed.
int CheckAllowed(const Config& config, SelfAction action);

// kExitOk if context.user may get one more device with these settings: enrolling is allowed
// (CheckAllowed), the settings are among the allowed ones (root too), and `existing` devices
// leave room under max_devices (root too). Otherwise prints why and returns kExitFailed.
int CheckNewDevice(const Context& context, OtpType type, HashAlgorithm algorithm, int digits,
                   int period, size_t existing);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_POLICY_H_
