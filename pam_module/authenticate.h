// The body of pam_sm_authenticate: everything between the C shim and the core library.
#ifndef PAMTOTP_PAM_MODULE_AUTHENTICATE_H_
#define PAMTOTP_PAM_MODULE_AUTHENTICATE_H_

#include <security/pam_modules.h>

#include "pam_module/decision.h"

namespace pamtotp::pam {

// May throw (std::bad_alloc); the caller catches everything.
Decision Authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_AUTHENTICATE_H_
