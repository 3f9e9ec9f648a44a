// The store of one user, as the module reaches it: the template expanded for the user, and
// (for stores in the user's home directory) every file operation done with the user's file
// system identity.
#ifndef PAMTOTP_PAM_MODULE_USER_STORE_H_
#define PAMTOTP_PAM_MODULE_USER_STORE_H_

#include <memory>

#include "core/store.h"
#include "pam_module/log.h"
#include "pam_module/options.h"

namespace pamtotp::pam {

Result<std::unique_ptr<Store>> OpenUserStore(const Attempt& attempt, const Options& options);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_USER_STORE_H_
