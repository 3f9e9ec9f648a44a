// Getting the code from the person: a prompt, or the previous module's PAM_AUTHTOK
// (try_first_pass, use_first_pass), or the tail of a "password+code" answer (forward_pass).
#ifndef PAMTOTP_PAM_MODULE_CODE_INPUT_H_
#define PAMTOTP_PAM_MODULE_CODE_INPUT_H_

#include "core/secret_bytes.h"
#include "pam_module/decision.h"
#include "pam_module/log.h"
#include "pam_module/options.h"

namespace pamtotp::pam {

// What forward_pass asks when prompt= is left at its default: the answer is the password
// with the code typed right after it, no space between.
inline constexpr char kForwardPassPrompt[] = "Password followed by verification code: ";

// Puts what the person typed (not yet checked for format) into `input`. Returns kAllow when
// there is input to check; any other Decision ends the attempt with it. Never logs the input.
//
// `code_digits` (6 to 8; anything else is denied) matters for forward_pass only: the last
// `code_digits` characters of the answer are the code, and everything before them is set as
// PAM_AUTHTOK for the modules that follow. A password may end in digits, so the split is by
// length, never by "the trailing digits". The caller passes the digits of the user's devices
// when they all agree, else 6. An answer shorter than that is returned whole (it fails as a
// malformed code) and PAM_AUTHTOK is left alone.
Decision ObtainCode(const Attempt& attempt, const Options& options, SecretBytes& input,
                    int code_digits);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_CODE_INPUT_H_
