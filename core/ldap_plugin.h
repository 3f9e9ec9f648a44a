// The boundary between core (store_open.cc, which loads the directory backend) and the
// backend's shared object (ldap_store.cc). Both sides are built from the same tree: C++
// objects (LdapConfig, Store, Status) cross it, so the object must come from the same build,
// which kLdapPluginAbi checks before anything else is called.
#ifndef PAMTOTP_CORE_LDAP_PLUGIN_H_
#define PAMTOTP_CORE_LDAP_PLUGIN_H_

#include <cstddef>

#include "core/config.h"
#include "core/device.h"
#include "core/status.h"
#include "core/store.h"

namespace pamtotp {

// Both sides compare this and the sizes of what crosses.
inline constexpr char kLdapPluginAbi[] = "pam_totp " PAMTOTP_VERSION " " __VERSION__;
inline constexpr size_t kLdapPluginSizes = sizeof(LdapConfig) * 1000003 + sizeof(Status) * 1009 +
                                           sizeof(Enrollment) * 31 + sizeof(UserState);

// The one symbol the shared object exports:
//   int pamtotp_ldap_open_v1(const char* abi, size_t sizes, const LdapConfig* config,
//                            Store** store, Status* error)
// Returns 1 and sets *store (owned by the caller, deleted before the object is unloaded), or
// returns 0 and sets *error. Never throws.
inline constexpr char kLdapPluginSymbol[] = "pamtotp_ldap_open_v1";
using LdapPluginOpen = int (*)(const char* abi, size_t sizes, const LdapConfig* config,
                               Store** store, Status* error);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_LDAP_PLUGIN_H_
