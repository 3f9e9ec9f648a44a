// The file backend of Store. Layout and formats: totp-store(5) and store_format.h.
//
// Locking: the state file doubles as the user's lock (flock, exclusive). It is never renamed,
// so every writer locks the same inode; after locking we check that the name still points to
// it (a concurrent removal of the user's last device unlinks it) and retry otherwise.
//
// Ownership: the system store's files belong to root; a "~/" store's to its user or root
// (TrustedOwner, safe_file.h). OpenFileStoreForUser wraps a "~/" store so that, run as root,
// every call is made with the user's file system identity (fs_identity.h).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "core/fs_identity.h"
#include "core/safe_file.h"
#include "core/store.h"
#include "core/store_format.h"
#include "core/store_path.h"

namespace pamtotp {
namespace {

struct UserPaths {
  std::string dir;         // directory holding the user's files
  std::string name;        // devices file name within dir
  std::string state_name;  // state file name within dir
  std::string path;        // dir + "/" + name, for messages
  std::string state_path;
};

class LockedState {
 public:
  UniqueFd fd;
  std::string file;  // the state file's bytes as read under the lock
};

class FileStore final : public Store {
 public:
  // The system store: files owned by root (see TrustedOwner::Root), any user.
  explicit FileStore(std::string path_template)
      : template_(std::move(path_template)), owner_(TrustedOwner::Root()) {}
  // A "~/" store for `user` only, whose passwd entry is `account`: its files owned by the
  // account or root. (`user` is the name asked for; the entry may spell it differently.)
  FileStore(std::string path_template, const UserAccount& account, std::string_view user)
      : template_(std::move(path_template)),
        owner_(TrustedOwner::User(account.uid, account.name)),
        home_(account.home),
        user_(user) {}

  Result<Enrollment> ReadDevices(std::string_view user) override;
  Status ReadState(std::string_view user, Enrollment& enrollment, UserState& state) override;
  Status EditDevices(std::string_view user, const DeviceEditor& edit) override;
  Status UpdateState(std::string_view user, const StateUpdater& update) override;
  std::string Describe(std::string_view user) const override;

 private:
  Result<UserPaths> PathsFor(std::string_view user) const;
  // The directory, or NotFound when a missing directory means "no devices".
  Result<UniqueFd> OpenDir(const UserPaths& paths, bool create) const;
  Result<Enrollment> ReadDevicesAt(int dir_fd, const UserPaths& paths) const;
  // Locks the state file, creating it if `create`; else NotFound if there is none.
  Result<LockedState> LockState(int dir_fd, const UserPaths& paths, bool create) const;
  // Locks the user's state, calls `update`, and writes the state back if `write`.
  Status Transact(std::string_view user, bool write, const StateUpdater& update);
  Status WriteState(LockedState& locked, const UserPaths& paths, const Enrollment& enrollment,
                    const StateFile& old, UserState state) const;

  std::string template_;
  TrustedOwner owner_;
  std::optional<std::string> home_;  // set for a "~/" store, which serves user_ only
  std::string user_;
};

Result<UserPaths> FileStore::PathsFor(std::string_view user) const {
  if (home_.has_value() && user != user_) {
    return Status::InvalidArgument("the store " + template_ + " was opened for " + user_ +
                                   ", not for " + std::string(user));
  }
  Result<std::string> path = home_.has_value() ? ExpandStorePath(template_, user, *home_)
                                               : ExpandStorePath(template_, user);
  if (!path.ok()) return path.status();
  size_t slash = path->rfind('/');
  UserPaths p;
  p.dir = slash == 0 ? "/" : path->substr(0, slash);
  p.name = path->substr(slash + 1);
  p.state_name = p.name + ".state";
  p.path = *path;
  p.state_path = *path + ".state";
  return p;
}

std::string FileStore::Describe(std::string_view user) const {
  Result<UserPaths> paths = PathsFor(user);
  return paths.ok() ? paths->path : template_;
}

Result<UniqueFd> FileStore::OpenDir(const UserPaths& paths, bool create) const {
  Result<UniqueFd> dir =
      create ? OpenOrCreateSafeDirectory(paths.dir, owner_) : OpenSafeDirectory(paths.dir, owner_);
  if (!dir.ok() && dir.status().code() == Status::Code::kNotFound &&
      !TemplateHasPerUserDirectory(template_)) {
    return Status::IOError("the store directory " + paths.dir +
                           " does not exist (check store= or create it with mode 0700)");
  }
  return dir;
}

Result<Enrollment> FileStore::ReadDevicesAt(int dir_fd, const UserPaths& paths) const {
  Result<SecretBytes> text =
      ReadSafeFile(dir_fd, paths.name, paths.path, kMaxDeviceFileSize, owner_);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) return Enrollment();
    return text.status();
  }
  Result<Enrollment> devices = ParseDeviceFile(text->view());
  if (!devices.ok()) return devices.status().WithContext(paths.path);
  return devices;
}

Result<Enrollment> FileStore::ReadDevices(std::string_view user) {
  Result<UserPaths> paths = PathsFor(user);
  if (!paths.ok()) return paths.status();
  Result<UniqueFd> dir = OpenDir(*paths, false);
  if (!dir.ok()) {
    if (dir.status().code() == Status::Code::kNotFound) return Enrollment();
    return dir.status();
  }
  return ReadDevicesAt(dir->get(), *paths);
}

Result<LockedState> FileStore::LockState(int dir_fd, const UserPaths& paths, bool create) const {
  for (int attempt = 0; attempt < 8; ++attempt) {
    LockedState locked;
    locked.fd =
        UniqueFd(openat(dir_fd, paths.state_name.c_str(),
                        O_RDWR | (create ? O_CREAT : 0) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
    if (!locked.fd.valid()) {
      int err = errno;
      if (err == ENOENT && !create) return Status::NotFound(paths.state_path + " does not exist");
      if (err == ELOOP) {
        return Status::PermissionDenied(paths.state_path + " is a symlink; refusing to follow it");
      }
      return ErrnoStatus("cannot open " + paths.state_path, err);
    }
    struct stat st;
    if (Status s = CheckSafeFile(locked.fd.get(), paths.state_path, kStateFileSize, owner_, &st);
        !s.ok()) {
      return s;
    }
    while (flock(locked.fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return ErrnoStatus("cannot lock " + paths.state_path, errno);
    }
    struct stat now;
    if (fstatat(dir_fd, paths.state_name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 ||
        now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
      continue;  // unlinked or replaced while we waited; lock the current one
    }
    // Read under the lock, so the size check above may be stale: check again.
    if (Status s = CheckSafeFile(locked.fd.get(), paths.state_path, kStateFileSize, owner_, &st);
        !s.ok()) {
      return s;
    }
    locked.file.resize(static_cast<size_t>(st.st_size));
    size_t total = 0;
    while (total < locked.file.size()) {
      ssize_t n = pread(locked.fd.get(), locked.file.data() + total, locked.file.size() - total,
                        static_cast<off_t>(total));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ErrnoStatus("cannot read " + paths.state_path, n < 0 ? errno : EIO);
      total += static_cast<size_t>(n);
    }
    return locked;
  }
  return Status::IOError(paths.state_path + " keeps being replaced; giving up");
}

Status FileStore::WriteState(LockedState& locked, const UserPaths& paths,
                             const Enrollment& enrollment, const StateFile& old,
                             UserState state) const {
  // Keep only entries of devices that still exist.
  std::vector<DeviceState> kept;
  for (DeviceState& d : state.devices) {
    for (const Device& device : enrollment.devices) {
      if (device.id == d.id) {
        kept.push_back(std::move(d));
        break;
      }
    }
  }
  state.devices = std::move(kept);
  Result<std::string> slot = SerializeStateSlot(state, old.sequence + 1);
  if (!slot.ok()) return slot.status();
  if (locked.file.size() != kStateFileSize) {
    // First write: reserve both slots now, so later logins never need new disk blocks.
    int err = posix_fallocate(locked.fd.get(), 0, kStateFileSize);
    if (err != 0) return ErrnoStatus("cannot allocate " + paths.state_path, err);
  }
  off_t offset = static_cast<off_t>(old.next_slot * kStateSlotSize);
  if (Status s = WriteAllAt(locked.fd.get(), *slot, offset, paths.state_path); !s.ok()) return s;
  // Most logins leave the write to the kernel's writeback (NeedsSync says why that is safe):
  // an fdatasync costs more than all the rest of a login.
  if (NeedsSync(enrollment, old.state, state) && fdatasync(locked.fd.get()) != 0) {
    return ErrnoStatus("cannot fsync " + paths.state_path, errno);
  }
  return Status::Ok();
}

Status FileStore::ReadState(std::string_view user, Enrollment& enrollment, UserState& state) {
  return Transact(user, false, [&](const Enrollment& e, UserState& s) {
    enrollment = e.Clone();
    state = s;
    return Status::Ok();
  });
}

Status FileStore::UpdateState(std::string_view user, const StateUpdater& update) {
  return Transact(user, true, update);
}

Status FileStore::Transact(std::string_view user, bool write, const StateUpdater& update) {
  Result<UserPaths> paths = PathsFor(user);
  if (!paths.ok()) return paths.status();
  Result<UniqueFd> dir = OpenDir(*paths, false);
  if (!dir.ok() && dir.status().code() != Status::Code::kNotFound) return dir.status();
  UserState empty_state;
  if (!dir.ok()) return update({}, empty_state);
  // Enrollment creates the state file, so a user without one normally has no devices either.
  // Nothing is created for a user without devices; a devices file put in place without its
  // state file gets one.
  Result<LockedState> locked = LockState(dir->get(), *paths, false);
  if (!locked.ok() && locked.status().code() == Status::Code::kNotFound) {
    Result<Enrollment> unlocked = ReadDevicesAt(dir->get(), *paths);
    if (!unlocked.ok()) return unlocked.status();
    if (unlocked->devices.empty()) return update({}, empty_state);
    locked = LockState(dir->get(), *paths, true);
  }
  if (!locked.ok()) return locked.status();
  Result<Enrollment> devices = ReadDevicesAt(dir->get(), *paths);  // now stable
  if (!devices.ok()) return devices.status();
  if (devices->devices.empty()) {
    // The last device was removed while we waited for the lock; our open may have created the
    // state file again. Remove it: a user without devices has no files.
    unlinkat(dir->get(), paths->state_name.c_str(), 0);
    return update({}, empty_state);
  }
  Result<StateFile> old = ParseStateFile(locked->file);
  if (!old.ok()) return old.status().WithContext(paths->state_path);
  UserState state = old->state;
  if (Status s = update(*devices, state); !s.ok()) return s;
  if (!write) return Status::Ok();
  return WriteState(*locked, *paths, *devices, *old, std::move(state));
}

Status FileStore::EditDevices(std::string_view user, const DeviceEditor& edit) {
  Result<UserPaths> paths = PathsFor(user);
  if (!paths.ok()) return paths.status();
  Result<UniqueFd> dir = OpenDir(*paths, true);
  if (!dir.ok()) return dir.status();
  Result<LockedState> locked = LockState(dir->get(), *paths, true);
  if (!locked.ok()) return locked.status();
  // An empty state file was just created by us (or by a crash right after creation): on any
  // failure below, do not leave it behind.
  auto drop_new_state = [&](Status s) {
    if (locked->file.empty()) unlinkat(dir->get(), paths->state_name.c_str(), 0);
    return s;
  };
  Result<Enrollment> devices = ReadDevicesAt(dir->get(), *paths);
  if (!devices.ok()) return drop_new_state(devices.status());
  if (Status s = edit(*devices); !s.ok()) return drop_new_state(s);
  if (devices->devices.empty()) {
    // The last device went: remove both files (the state first, while we hold its lock).
    if (unlinkat(dir->get(), paths->state_name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove " + paths->state_path, errno);
    }
    if (unlinkat(dir->get(), paths->name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove " + paths->path, errno);
    }
    if (fsync(dir->get()) != 0) return ErrnoStatus("cannot fsync " + paths->dir, errno);
    return Status::Ok();
  }
  Result<SecretBytes> text = SerializeDeviceFile(*devices);
  if (!text.ok()) return drop_new_state(text.status());
  if (locked->file.empty()) {
    // A new user: give the state file its full size before the device exists, so that a full
    // disk fails the enrollment rather than a later login.
    int err = posix_fallocate(locked->fd.get(), 0, kStateFileSize);
    if (err != 0) return drop_new_state(ErrnoStatus("cannot allocate " + paths->state_path, err));
  }
  if (Status s = ReplaceFileAtomically(dir->get(), paths->name, paths->path, text->view());
      !s.ok()) {
    return drop_new_state(s);
  }
  return Status::Ok();
}

// A "~/" store for a name without a passwd entry: no home, so no devices. It reads like any
// user without devices (a login must not tell who exists) and refuses to enroll.
class NoAccountStore final : public Store {
 public:
  NoAccountStore(std::string path_template, std::string_view user)
      : template_(std::move(path_template)), user_(user) {}

  Result<Enrollment> ReadDevices(std::string_view) override { return Enrollment(); }
  Status ReadState(std::string_view, Enrollment& enrollment, UserState& state) override {
    enrollment = Enrollment();
    state = UserState();
    return Status::Ok();
  }
  Status EditDevices(std::string_view, const DeviceEditor&) override {
    return Status::NotFound(user_ + " has no entry in the user database, so " + template_ +
                            " has no home directory to be in");
  }
  Status UpdateState(std::string_view, const StateUpdater& update) override {
    UserState state;
    return update(Enrollment(), state);  // nothing is written for a user without devices
  }
  std::string Describe(std::string_view) const override {
    return template_ + " (" + user_ + " has no passwd entry)";
  }

 private:
  std::string template_;
  std::string user_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenFileStore(const std::string& path_template) {
  if (Status s = ValidateStoreTemplate(path_template); !s.ok()) return s;
  if (TemplateUsesHome(path_template)) {
    return Status::InvalidArgument("store path " + path_template +
                                   " is in the home directory: open it per user "
                                   "(OpenFileStoreForUser)");
  }
  return std::unique_ptr<Store>(std::make_unique<FileStore>(path_template));
}

Result<std::unique_ptr<Store>> OpenFileStoreForUser(const std::string& path_template,
                                                    std::string_view user) {
  if (Status s = ValidateUserName(user); !s.ok()) return s;
  if (Status s = ValidateStoreTemplate(path_template); !s.ok()) return s;
  if (!TemplateUsesHome(path_template)) return OpenFileStore(path_template);
  Result<std::optional<UserAccount>> account = LookUpAccount(user);
  if (!account.ok()) return account.status();
  if (!account->has_value()) {
    return std::unique_ptr<Store>(std::make_unique<NoAccountStore>(path_template, user));
  }
  const UserAccount& found = **account;
  if (Status s = ValidateHomeDirectory(found.home, user); !s.ok()) return s;
  std::unique_ptr<Store> files = std::make_unique<FileStore>(path_template, found, user);
  if (!NeedsFsIdentitySwitch(found)) return files;
  Result<FsIdentity> identity = FsIdentityOf(found);
  if (!identity.ok()) return identity.status();
  return StoreWithFsIdentity(std::move(files), std::move(identity).value());
}

}  // namespace pamtotp
