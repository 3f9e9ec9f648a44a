// Store: where users' devices and login state live. The module and totpctl reach storage only
// through this interface, so a directory-server backend can be added beside the file backend.
//
// Contract for every backend:
// - A user with no devices reads as an empty list, never as an error; an error means the store
//   could not be read safely and the caller must fail closed.
// - EditDevices and UpdateState are serialised per user (across processes and hosts the
//   backend serves): two writers never lose each other's change, and two logins racing with one
//   code see each other's state (exactly one can use a time step).
// - UpdateState never writes secrets, and for a user with no devices creates nothing.
// Store objects are not shared between threads; open one per authentication.
#ifndef PAMTOTP_CORE_STORE_H_
#define PAMTOTP_CORE_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/status.h"

namespace pamtotp {

// Changes the user's devices and recovery codes in place. Returning an error writes nothing.
// Like a StateUpdater (below), it may be called again with a fresh read.
using DeviceEditor = std::function<Status(Enrollment& enrollment)>;
// Reads the enrollment and changes the login state in place. Returning an error writes
// nothing. A backend may call it again (with what it then reads) if another process or host
// changed the state first, so it must not keep anything from an earlier call.
using StateUpdater = std::function<Status(const Enrollment& enrollment, UserState& state)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<Enrollment> ReadDevices(std::string_view user) = 0;
  // Devices and state together, as UpdateState would see them, without writing anything.
  virtual Status ReadState(std::string_view user, Enrollment& enrollment, UserState& state) = 0;
  virtual Status EditDevices(std::string_view user, const DeviceEditor& edit) = 0;
  virtual Status UpdateState(std::string_view user, const StateUpdater& update) = 0;
  // Where the user's records are, for messages ("/var/lib/pam_totp/alice.totp").
  virtual std::string Describe(std::string_view user) const = 0;
};

// The file backend: one devices file per user from `path_template` (see store_path.h) and a
// state file beside it with ".state" appended. Validates the template. Its files and the
// directories above them must belong to root (or to the effective uid, for an unprivileged
// test). A "~/" template is refused here: see OpenFileStoreForUser.
Result<std::unique_ptr<Store>> OpenFileStore(const std::string& path_template);

// The store of one user, as pam_totp.so and totpctl reach it. Without '~' this is
// OpenFileStore. With a "~/" template, '~' is the home directory in `user`'s passwd entry, and
// the store serves that user only: its files must be owned by the user (or root) with mode
// 0600 at most, the directories down to them by root or the user and not writable by others,
// and when the process runs as root every call is made with the user's file system uid, gid
// and groups (fs_identity.h), so that what it creates belongs to the user. A name without a
// passwd entry gets a store that reads as "no devices" and refuses to enroll.
Result<std::unique_ptr<Store>> OpenFileStoreForUser(const std::string& path_template,
                                                    std::string_view user);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_STORE_H_
