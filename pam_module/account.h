// pam_sm_acct_mgmt: a user locked out by too many wrong codes is refused in the account phase
// too, so that logins which skip the code (an SSH key alone) honour the lockout when the admin
// puts the module in the account stack.
#ifndef PAMTOTP_PAM_MODULE_ACCOUNT_H_
#define PAMTOTP_PAM_MODULE_ACCOUNT_H_

#include <security/pam_modules.h>

#include "pam_module/decision.h"

namespace pamtotp::pam {

// kAllow, kAccountDenied (locked out), kDeny (the store cannot be read), or kServiceError.
Decision CheckAccount(pam_handle_t* pamh, int argc, const char** argv);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_ACCOUNT_H_
