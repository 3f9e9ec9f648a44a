// enroll=first_login: a user with no device is shown a new key through the PAM conversation
// (QR code as text lines, the key in groups, the otpauth URI) and asked for the code; when it
// matches, the device is saved and the login goes on. Trust on first use: whoever passes the
// modules before this one first may enroll; pam_totp(8) says how to stack it.
#ifndef PAMTOTP_PAM_MODULE_FIRST_LOGIN_H_
#define PAMTOTP_PAM_MODULE_FIRST_LOGIN_H_

#include "core/store.h"
#include "pam_module/decision.h"
#include "pam_module/log.h"
#include "pam_module/options.h"

namespace pamtotp::pam {

// kAllow once a device is saved; kDeny if no matching code came in three tries (nothing saved).
Decision EnrollOnFirstLogin(const Attempt& attempt, const Options& options, Store& store);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_FIRST_LOGIN_H_
