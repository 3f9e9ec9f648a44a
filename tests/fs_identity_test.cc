// Switching a thread's file system identity and back: that the kernel really checks file
// access as the user inside the scope, that only the calling thread changes, that a failed
// switch back is reported and sticks, and that nothing switches when we are not root.
// setfsuid is wrapped (-Wl,--wrap=setfsuid) so that a test can make it refuse, as it would
// without CAP_SETUID.
#include "core/fs_identity.h"

#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace {
std::optional<uid_t> refuse_fsuid;  // set: setfsuid to this uid changes nothing
}  // namespace

extern "C" {
int __real_setfsuid(uid_t uid);
int __wrap_setfsuid(uid_t uid);
int __wrap_setfsuid(uid_t uid) {
  if (refuse_fsuid && uid == *refuse_fsuid) return __real_setfsuid(static_cast<uid_t>(-1));
  return __real_setfsuid(uid);
}
}

namespace pamtotp {
namespace {

const FsIdentity kCarol{4242, 4242, {4242, 4500}};

bool SkipUnlessRoot() {
  if (geteuid() == 0) return false;
  std::printf("skipped: switching the file system identity needs root (euid is %u)\n",
              static_cast<unsigned>(geteuid()));
  return true;
}

FsIdentity Current() {
  Result<FsIdentity> now = CurrentFsIdentity();
  if (!now.ok()) fail_msg("%s", now.status().message().c_str());
  return std::move(now).value();
}

void ExpectSame(const FsIdentity& got, const FsIdentity& want) {
  assert_int_equal(got.uid, want.uid);
  assert_int_equal(got.gid, want.gid);
  assert_true(got.groups == want.groups);
}

void ExpectOk(const Status& s) {
  if (!s.ok()) fail_msg("%s", s.message().c_str());
}

void SwitchesThisThreadAndRestores(void**) {
  if (SkipUnlessRoot()) skip();
  const FsIdentity before = Current();
  testing::TempDir dir;
  std::string carols = dir.File("carol");
  assert_int_equal(mkdir(carols.c_str(), 0700), 0);
  assert_int_equal(chown(carols.c_str(), 4242, 4242), 0);
  assert_int_equal(chmod(dir.path().c_str(), 0755), 0);
  testing::WriteFile(dir.File("roots"), "secret", 0600);
  // A thread that was there before the switch (a new one would inherit it).
  std::atomic<bool> switched{false};
  FsIdentity other;
  std::thread watcher([&] {
    while (!switched) usleep(1000);
    other = Current();
  });
  // Observed inside the scope, asserted after it: a failed assert must not leave us as carol.
  FsIdentityScope scope;
  Status begun = scope.Begin(kCarol);
  FsIdentity inside = Current();
  uid_t euid_inside = geteuid();
  int roots_fd = open(dir.File("roots").c_str(), O_RDONLY | O_CLOEXEC);
  int roots_errno = errno;
  int new_fd = open((carols + "/new").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  switched = true;
  watcher.join();
  Status ended = scope.End();
  if (roots_fd >= 0) close(roots_fd);
  if (new_fd >= 0) close(new_fd);

  ExpectOk(begun);
  ExpectOk(ended);
  ExpectSame(inside, kCarol);
  assert_int_equal(euid_inside, 0);  // only the file system identity changes
  // The kernel checked as carol: root's private file was closed, what we created is hers.
  assert_int_equal(roots_fd, -1);
  assert_int_equal(roots_errno, EACCES);
  assert_true(new_fd >= 0);
  struct stat st;
  assert_int_equal(stat((carols + "/new").c_str(), &st), 0);
  assert_int_equal(st.st_uid, 4242);
  assert_int_equal(st.st_gid, 4242);
  ExpectSame(other, before);  // the other thread kept root's identity
  ExpectSame(Current(), before);
}

void DestructorRestoresWhenNotEnded(void**) {
  if (SkipUnlessRoot()) skip();
  const FsIdentity before = Current();
  {
    FsIdentityScope scope;
    ExpectOk(scope.Begin(kCarol));
    ExpectSame(Current(), kCarol);
  }
  ExpectSame(Current(), before);
}

void FailedSwitchIsUndone(void**) {
  if (SkipUnlessRoot()) skip();
  const FsIdentity before = Current();
  refuse_fsuid = 4242;
  FsIdentityScope scope;
  Status s = scope.Begin(kCarol);
  refuse_fsuid.reset();
  assert_false(s.ok());
  assert_string_equal(s.message().c_str(),
                      "cannot switch the file system uid to those of uid 4242 (is "
                      "CAP_SETUID/CAP_SETGID missing?)");
  ExpectSame(Current(), before);  // groups and gid were put back
  ExpectOk(scope.End());          // nothing left to restore
}

void FailedRestoreIsReported(void**) {
  if (SkipUnlessRoot()) skip();
  const FsIdentity before = Current();
  FsIdentityScope scope;
  ExpectOk(scope.Begin(kCarol));
  refuse_fsuid = before.uid;
  Status s = scope.End();
  refuse_fsuid.reset();
  assert_false(s.ok());
  const std::string want_prefix = "cannot restore this thread's file system identity (fsuid " +
                                  std::to_string(before.uid) + ", fsgid ";
  assert_true(s.message().starts_with(want_prefix));
  assert_true(s.message().find("it is now fsuid 4242, fsgid " + std::to_string(before.gid)) !=
              std::string::npos);
  assert_true(s.message().ends_with("; refusing further store access"));
  assert_int_equal(setfsuid(before.uid), 4242);  // put it right for the tests that follow
  ExpectSame(Current(), before);
}

// A store that records the identity each call ran with, and can be told to throw.
class RecordingStore final : public Store {
 public:
  Result<Enrollment> ReadDevices(std::string_view) override {
    seen.push_back(Current());
    if (throw_next) throw std::runtime_error("boom");
    return Enrollment();
  }
  Status ReadState(std::string_view, Enrollment&, UserState&) override {
    seen.push_back(Current());
    return Status::Ok();
  }
  Status EditDevices(std::string_view, const DeviceEditor&) override {
    seen.push_back(Current());
    return Status::AlreadyExists("inner error");
  }
  Status UpdateState(std::string_view, const StateUpdater&) override {
    seen.push_back(Current());
    return Status::Ok();
  }
  std::string Describe(std::string_view) const override { return "recording"; }

  std::vector<FsIdentity> seen;
  bool throw_next = false;
};

void StoreCallsRunAsTheUser(void**) {
  if (SkipUnlessRoot()) skip();
  const FsIdentity before = Current();
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* inner = owned.get();
  std::unique_ptr<Store> store = StoreWithFsIdentity(std::move(owned), kCarol);
  assert_true(store->ReadDevices("carol").ok());
  Enrollment enrollment;
  UserState state;
  ExpectOk(store->ReadState("carol", enrollment, state));
  ExpectOk(store->UpdateState("carol", [](const Enrollment&, UserState&) { return Status::Ok(); }));
  Status edit = store->EditDevices("carol", [](Enrollment&) { return Status::Ok(); });
  assert_string_equal(edit.message().c_str(), "inner error");  // the inner outcome comes out
  assert_int_equal(inner->seen.size(), 4);
  for (const FsIdentity& id : inner->seen) ExpectSame(id, kCarol);
  ExpectSame(Current(), before);
  assert_string_equal(store->Describe("carol").c_str(), "recording");
  // An exception from inside still restores the identity on its way out.
  inner->throw_next = true;
  bool thrown = false;
  try {
    (void)store->ReadDevices("carol");
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  assert_true(thrown);
  ExpectSame(Current(), before);
}

void StoreRefusesEverythingAfterAFailedRestore(void**) {
  if (SkipUnlessRoot()) skip();
  const FsIdentity before = Current();
  auto owned = std::make_unique<RecordingStore>();
  RecordingStore* inner = owned.get();
  std::unique_ptr<Store> store = StoreWithFsIdentity(std::move(owned), kCarol);
  refuse_fsuid = before.uid;
  Result<Enrollment> read = store->ReadDevices("carol");
  refuse_fsuid.reset();
  assert_int_equal(setfsuid(before.uid), 4242);
  ExpectSame(Current(), before);
  assert_false(read.ok());
  assert_true(read.status().message().starts_with("cannot restore this thread's file system"));
  assert_int_equal(inner->seen.size(), 1);
  // Sticky: later calls fail with the same error and never reach the files.
  Status again = store->UpdateState("carol", [](const Enrollment&, UserState&) {
    fail_msg("the updater must not run");
    return Status::Ok();
  });
  assert_string_equal(again.message().c_str(), read.status().message().c_str());
  assert_int_equal(inner->seen.size(), 1);
  ExpectSame(Current(), before);
}

void SwitchesOnlyAsRootAndOnlyForOthers(void**) {
  UserAccount root{"root", 0, 0, "/root"};
  UserAccount carol{"carol", 4242, 4242, "/home/carol"};
  assert_false(NeedsFsIdentitySwitch(root));
  assert_int_equal(NeedsFsIdentitySwitch(carol), geteuid() == 0);
  if (geteuid() != 0) return;
  // Running as the user (a screen locker), or as anyone else: no switch.
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (setgid(4242) != 0 || setuid(4242) != 0) _exit(2);
    UserAccount dave{"dave", 4343, 4343, "/home/dave"};
    _exit(!NeedsFsIdentitySwitch(carol) && !NeedsFsIdentitySwitch(dave) ? 0 : 1);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

void LooksUpAccounts(void**) {
  Result<std::optional<UserAccount>> root = LookUpAccount("root");
  if (!root.ok()) fail_msg("%s", root.status().message().c_str());
  assert_true(root->has_value());
  assert_int_equal((*root)->uid, 0);
  assert_string_equal((*root)->name.c_str(), "root");
  assert_false((*root)->home.empty());
  Result<FsIdentity> identity = FsIdentityOf(**root);
  if (!identity.ok()) fail_msg("%s", identity.status().message().c_str());
  assert_int_equal(identity->uid, 0);
  assert_false(identity->groups.empty());  // the primary group at least
  Result<std::optional<UserAccount>> nobody = LookUpAccount("pamtotp-no-such-user");
  assert_true(nobody.ok());
  assert_false(nobody->has_value());
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(SwitchesThisThreadAndRestores),
      cmocka_unit_test(DestructorRestoresWhenNotEnded),
      cmocka_unit_test(FailedSwitchIsUndone),
      cmocka_unit_test(FailedRestoreIsReported),
      cmocka_unit_test(StoreCallsRunAsTheUser),
      cmocka_unit_test(StoreRefusesEverythingAfterAFailedRestore),
      cmocka_unit_test(SwitchesOnlyAsRootAndOnlyForOthers),
      cmocka_unit_test(LooksUpAccounts),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
