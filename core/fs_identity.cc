#include "core/fs_identity.h"

#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace pamtotp {
namespace {

constexpr size_t kMaxPasswdBuffer = size_t{1} << 20;

// 32-bit ids: on i386 and 32-bit ARM the plain call takes 16-bit ones.
#ifdef SYS_setgroups32
constexpr long kSetGroupsCall = SYS_setgroups32;
#else
constexpr long kSetGroupsCall = SYS_setgroups;
#endif

uid_t ProbeFsuid() { return static_cast<uid_t>(setfsuid(static_cast<uid_t>(-1))); }
gid_t ProbeFsgid() { return static_cast<gid_t>(setfsgid(static_cast<gid_t>(-1))); }

Result<std::vector<gid_t>> ThreadGroups() {
  for (int attempt = 0; attempt < 4; ++attempt) {
    int count = getgroups(0, nullptr);
    if (count < 0) break;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    int got = getgroups(count, groups.data());
    if (got >= 0) {
      groups.resize(static_cast<size_t>(got));
      return groups;
    }
    if (errno != EINVAL) break;  // EINVAL: the list grew meanwhile; ask again
  }
  return Status::Internal(std::string("cannot read the supplementary groups: ") +
                          std::strerror(errno));
}

// Sets this thread's groups (only this thread's: see the header) and checks that they took.
// `sorted` is in ascending order; `scratch` has room for at least as many. Never allocates,
// so that restoring works on the way out of an out-of-memory error too.
bool SetThreadGroups(const std::vector<gid_t>& sorted, std::vector<gid_t>& scratch) {
  if (syscall(kSetGroupsCall, static_cast<int>(sorted.size()), sorted.data()) != 0) return false;
  int count = getgroups(static_cast<int>(scratch.size()), scratch.data());
  if (count < 0 || static_cast<size_t>(count) != sorted.size()) return false;
  std::sort(scratch.begin(), scratch.begin() + count);
  return std::equal(sorted.begin(), sorted.end(), scratch.begin());
}

// setfsuid and setfsgid return the previous id whether or not they succeeded: the probe
// after the call is what tells.
bool SetFsuid(uid_t uid) {
  setfsuid(uid);
  return ProbeFsuid() == uid;
}

bool SetFsgid(gid_t gid) {
  setfsgid(gid);
  return ProbeFsgid() == gid;
}

std::string Describe(const FsIdentity& id) {
  return "fsuid " + std::to_string(id.uid) + ", fsgid " + std::to_string(id.gid) + ", " +
         std::to_string(id.groups.size()) + " groups";
}

}  // namespace

Result<std::optional<UserAccount>> LookUpAccount(std::string_view name) {
  const std::string key(name);
  std::vector<char> buffer(4096);
  for (;;) {
    struct passwd entry;
    struct passwd* found = nullptr;
    int err = getpwnam_r(key.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (err == ERANGE && buffer.size() < kMaxPasswdBuffer) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (err == EINTR) continue;
    // "Not found" is 0 with no entry in glibc; other implementations (nss_wrapper) say ENOENT
    // or ESRCH. Anything else is an error, never "no such user".
    if (err == ENOENT || err == ESRCH) return std::optional<UserAccount>();
    if (err != 0) {
      return Status::IOError("cannot look up " + key +
                             " in the user database: " + std::strerror(err));
    }
    if (found == nullptr) return std::optional<UserAccount>();
    return std::optional<UserAccount>(UserAccount{found->pw_name, found->pw_uid, found->pw_gid,
                                                  found->pw_dir != nullptr ? found->pw_dir : ""});
  }
}

Result<FsIdentity> FsIdentityOf(const UserAccount& account) {
  std::vector<gid_t> groups(64);
  for (;;) {
    int count = static_cast<int>(groups.size());
    if (getgrouplist(account.name.c_str(), account.gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<size_t>(count));
      std::sort(groups.begin(), groups.end());
      return FsIdentity{account.uid, account.gid, std::move(groups)};
    }
    // -1: too small, and `count` says how many there are.
    size_t wanted = static_cast<size_t>(std::max(count, 0));
    if (wanted <= groups.size() || wanted > NGROUPS_MAX) {
      return Status::IOError("cannot list the groups of " + account.name);
    }
    groups.resize(wanted);
  }
}

bool NeedsFsIdentitySwitch(const UserAccount& account) {
  return geteuid() == 0 && account.uid != 0;
}

Result<FsIdentity> CurrentFsIdentity() {
  Result<std::vector<gid_t>> groups = ThreadGroups();
  if (!groups.ok()) return groups.status();
  std::sort(groups->begin(), groups->end());
  return FsIdentity{ProbeFsuid(), ProbeFsgid(), std::move(groups).value()};
}

FsIdentityScope::~FsIdentityScope() {
  // Only reached with an exception in flight (see the header). End restores without
  // allocating; only its error message could throw, and nobody would read it.
  if (!active_) return;
  try {
    (void)End();
  } catch (...) {
  }
}

Status FsIdentityScope::Begin(const FsIdentity& identity) {
  if (active_) return Status::Internal("FsIdentityScope::Begin called twice");
  Result<FsIdentity> saved = CurrentFsIdentity();
  if (!saved.ok()) return saved.status();
  saved_ = std::move(saved).value();
  target_groups_ = identity.groups;
  std::sort(target_groups_.begin(), target_groups_.end());
  scratch_.assign(std::max(saved_.groups.size(), target_groups_.size()), 0);
  active_ = true;
  // Groups and gid before the uid: the fsuid change drops the file capabilities, not
  // CAP_SETGID, but this order never has the user's uid with root's groups.
  const char* failed = nullptr;
  if (!SetThreadGroups(target_groups_, scratch_)) {
    failed = "supplementary groups";
  } else if (!SetFsgid(identity.gid)) {
    failed = "file system gid";
  } else if (!SetFsuid(identity.uid)) {
    failed = "file system uid";
  }
  if (failed == nullptr) return Status::Ok();
  Status undo = End();
  std::string message = std::string("cannot switch the ") + failed + " to those of uid " +
                        std::to_string(identity.uid) + " (is CAP_SETUID/CAP_SETGID missing?)";
  if (!undo.ok()) message += "; " + undo.message();
  return Status::PermissionDenied(message);
}

Status FsIdentityScope::End() {
  if (!active_) return Status::Ok();
  active_ = false;
  // Each step is tried even if an earlier one failed: restore as much as possible.
  bool uid_ok = SetFsuid(saved_.uid);
  bool gid_ok = SetFsgid(saved_.gid);
  bool groups_ok = SetThreadGroups(saved_.groups, scratch_);
  if (uid_ok && gid_ok && groups_ok) return Status::Ok();
  Result<FsIdentity> now = CurrentFsIdentity();
  return Status::Internal("cannot restore this thread's file system identity (" + Describe(saved_) +
                          "); it is now " + (now.ok() ? Describe(*now) : now.status().message()) +
                          "; refusing further store access");
}

namespace {

class FsIdentityStore final : public Store {
 public:
  FsIdentityStore(std::unique_ptr<Store> inner, FsIdentity identity)
      : inner_(std::move(inner)), identity_(std::move(identity)) {}

  Result<Enrollment> ReadDevices(std::string_view user) override {
    return AsUser([&] { return inner_->ReadDevices(user); });
  }
  Status ReadState(std::string_view user, Enrollment& enrollment, UserState& state) override {
    return AsUser([&] { return inner_->ReadState(user, enrollment, state); });
  }
  Status EditDevices(std::string_view user, const DeviceEditor& edit) override {
    return AsUser([&] { return inner_->EditDevices(user, edit); });
  }
  Status UpdateState(std::string_view user, const StateUpdater& update) override {
    return AsUser([&] { return inner_->UpdateState(user, update); });
  }
  std::string Describe(std::string_view user) const override { return inner_->Describe(user); }

 private:
  // Runs `work` as the user. A failed switch or switch back replaces its outcome and sticks.
  template <typename Work>
  auto AsUser(Work work) -> decltype(work()) {
    if (!broken_.ok()) return broken_;
    FsIdentityScope scope;
    if (Status s = scope.Begin(identity_); !s.ok()) {
      broken_ = s;
      return s;
    }
    auto outcome = work();
    if (Status s = scope.End(); !s.ok()) {
      broken_ = s;
      return s;
    }
    return outcome;
  }

  std::unique_ptr<Store> inner_;
  FsIdentity identity_;
  Status broken_;
};

}  // namespace

std::unique_ptr<Store> StoreWithFsIdentity(std::unique_ptr<Store> inner, FsIdentity identity) {
  return std::make_unique<FsIdentityStore>(std::move(inner), std::move(identity));
}

}  // namespace pamtotp
