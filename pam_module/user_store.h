// The store of one user, as the module reaches it: the template expanded for the user (a "~/"
// template through the user's passwd entry), and for stores in the user's home directory every
// file operation done with the user's file system identity (core OpenFileStoreForUser). When
// the program calling PAM does not run as root, "Permission denied" errors say so.
#ifndef PAMTOTP_PAM_MODULE_USER_STORE_H_
#define PAMTOTP_PAM_MODULE_USER_STORE_H_

#include <memory>

#include "core/store.h"
#include "core/store_open.h"
#include "pam_module/log.h"
#include "pam_module/options.h"

namespace pamtotp::pam {

// A user with no passwd entry and a "~/" store gets a store without devices (no error), so
// that the login looks like anyone else's. May throw std::bad_alloc.
Result<std::unique_ptr<Store>> OpenUserStore(const Attempt& attempt, const Options& options);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_USER_STORE_H_
