// Getting the code from the person: a prompt, or the previous module's PAM_AUTHTOK
// (try_first_pass, use_first_pass), or the tail of a "password+code" answer (forward_pass).
#ifndef PAMTOTP_PAM_MODULE_CODE_INPUT_H_
#define PAMTOTP_PAM_MODULE_CODE_INPUT_H_

#include "core/secret_bytes.h"
#include "pam_module/decision.h"
#include "pam_module/log.h"
#include "pam_module/options.h"

namespace pamtotp::pam {

// Puts what the person typed (not yet checked for format) into `input`. Returns kAllow when
// there is input to check; any other Decision ends the attempt with it.
Decision ObtainCode(const Attempt& attempt, const Options& options, SecretBytes& input);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_CODE_INPUT_H_
