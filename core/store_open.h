// Opening the store pam_totp.conf names: the file backend (a path template) or, with
// "store = ldap", the directory backend. The directory backend lives in its own shared object
// (ldap_store.so, linked with libldap), loaded only by hosts that use it: a host with a file
// store never maps libldap and its TLS library on a login.
#ifndef PAMTOTP_CORE_STORE_OPEN_H_
#define PAMTOTP_CORE_STORE_OPEN_H_

#include <memory>
#include <string_view>

#include "core/config.h"
#include "core/store.h"

namespace pamtotp {

// The store of `user` as pam_totp.so and totpctl reach it: OpenFileStoreForUser for a path
// template; for "ldap", a connection to the directory, bound and ready (so an unreachable
// server is found before anyone is asked for a code), serving any user.
Result<std::unique_ptr<Store>> OpenConfiguredStore(const Config& config, std::string_view user);

// The directory store: loads ldap.library (default: the installed ldap_store.so), which must
// be a regular file owned by root (or the effective uid) and not writable by others, and
// connects. Unavailable if no server answers within ldap.timeout seconds.
Result<std::unique_ptr<Store>> OpenLdapStore(const LdapConfig& ldap);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_STORE_OPEN_H_
