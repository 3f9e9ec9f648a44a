// A user's passwd entry, and running file operations with the user's file system identity.
//
// A store in a user's home directory is read and written as that user. pam_totp.so usually
// runs as root inside the login program; with the user's file system uid, gid and
// supplementary groups the kernel checks every open, create and rename against the user's own
// rights, so a link the user planted can only lead to files the user could reach anyway, and
// what we create belongs to the user.
//
// Only the calling thread changes: setfsuid and setfsgid act on the calling thread, and the
// groups are set with the setgroups system call itself, because glibc's setgroups() changes
// every thread of the process (we are a guest in someone else's process). A switch is made
// only when the process runs as root (euid 0) and the user is not root. Anyone else (a screen
// locker running as the user) keeps its own identity and reaches what it may reach.
//
// Nothing here keeps global state; FsIdentityScope belongs to the thread that made it.
#ifndef PAMTOTP_CORE_FS_IDENTITY_H_
#define PAMTOTP_CORE_FS_IDENTITY_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace pamtotp {

struct UserAccount {
  std::string name;  // as in the passwd entry
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;  // pw_dir as given; ValidateHomeDirectory (store_path.h) checks it
};

// The passwd entry of `name`, from getpwnam_r ($HOME is never consulted). std::nullopt when
// there is none; an error when the user database could not be read (fail closed: an LDAP
// outage must not look like "no such user").
Result<std::optional<UserAccount>> LookUpAccount(std::string_view name);

// What a thread's file accesses are checked against.
struct FsIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, in ascending order
};

// The account's identity, with its groups from getgrouplist (the primary gid included).
Result<FsIdentity> FsIdentityOf(const UserAccount& account);

// True if file operations for `account` must switch identity: this process runs as root
// (euid 0) and the account is not root.
bool NeedsFsIdentitySwitch(const UserAccount& account);

// The calling thread's current identity: fsuid and fsgid probed with setfsuid(-1) and
// setfsgid(-1) (an invalid id changes nothing and returns the current one), groups from
// getgroups in the kernel's (sorted) order.
Result<FsIdentity> CurrentFsIdentity();

// Switches the calling thread's file system identity, and switches it back.
//
//   FsIdentityScope scope;
//   if (Status s = scope.Begin(identity); !s.ok()) return s;  // nothing left switched
//   ... file operations ...
//   if (Status s = scope.End(); !s.ok()) return s;            // must fail the operation
//
// Every change is checked after it is made (setfsuid cannot report failure itself). Begin
// undoes a half-made switch before it returns an error. An error from End, or from Begin's
// undo, means this thread still has some of the user's identity: the caller must fail closed
// and must not trust later file operations on this thread. The destructor restores a scope
// that was not ended (an exception in flight); it cannot report a failure, so End is the
// normal way out.
class FsIdentityScope {
 public:
  FsIdentityScope() = default;
  ~FsIdentityScope();
  FsIdentityScope(const FsIdentityScope&) = delete;
  FsIdentityScope& operator=(const FsIdentityScope&) = delete;

  Status Begin(const FsIdentity& identity);
  Status End();

 private:
  bool active_ = false;
  FsIdentity saved_;                  // what End restores; groups sorted
  std::vector<gid_t> target_groups_;  // the user's groups, sorted
  std::vector<gid_t> scratch_;        // room to read back either list without allocating
};

// `inner` with every call made inside an FsIdentityScope for `identity`. A failure to switch
// or to switch back is that call's error, and every later call returns it too.
std::unique_ptr<Store> StoreWithFsIdentity(std::unique_ptr<Store> inner, FsIdentity identity);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_FS_IDENTITY_H_
