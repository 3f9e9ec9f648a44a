// Who must give a code: exempt_group= members and (with only_group=) non-members are let
// through to the other modules (PAM_IGNORE).
#ifndef PAMTOTP_PAM_MODULE_MEMBERSHIP_H_
#define PAMTOTP_PAM_MODULE_MEMBERSHIP_H_

#include "core/status.h"
#include "pam_module/log.h"
#include "pam_module/options.h"

namespace pamtotp::pam {

// True if this user must give a code. An error (e.g. the group does not exist) fails closed.
Result<bool> MustGiveCode(const Attempt& attempt, const Options& options);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_MEMBERSHIP_H_
