// The last step of enrollment: the user types the code their app shows, proving the app
// computes the same codes we will accept (apps silently ignore settings they do not support).
#ifndef PAMTOTP_SETUP_TOOL_CONFIRM_H_
#define PAMTOTP_SETUP_TOOL_CONFIRM_H_

#include <cstdint>
#include <optional>

#include "core/device.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp::totpctl {

struct Confirmation {
  SecretBytes code;  // normalized digits, as typed
  int64_t at = 0;    // unix seconds when it was checked
};

// True if `code` is the device's code for the time step of `now` or one either side (the same
// window VerifyCode is later called with).
Result<bool> CodeMatches(const Device& device, const SecretBytes& code, int64_t now);

// Prompts on standard error and reads codes from standard input until one matches: up to 3
// tries on a terminal, 1 otherwise. nullopt when the input ends, cannot be read, or no code
// matched; the reason has been printed.
std::optional<Confirmation> AskForCode(const Device& device);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_CONFIRM_H_
