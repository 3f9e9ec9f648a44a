// store=~/.pam_totp through the real libpam: a user "carol" (uid 4242, gid 4242, in group
// pamtotp-team 4500) whose home is in a temp directory, provided by nss_wrapper (Debian
// libnss-wrapper). The program re-executes itself with LD_PRELOAD and the passwd and group
// files set, so it needs nothing from ctest and changes nothing in /etc.
//
// As root (CI) it checks that files are read and written as carol: what is written stays
// hers, her home is reached through a directory only her supplementary group may enter, and
// the identity of the test process is root's again after every call. It also runs the module
// in a child that is carol (a screen locker). Run unprivileged, carol is the caller's own uid
// and only the checks that need no identity switch run (each skip prints why).
#include <dlfcn.h>
#include <grp.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "core/base32.h"
#include "core/random.h"
#include "core/store.h"
#include "tests/pam_harness.h"

namespace {
std::atomic<long> refused_fsuid{-1};  // >= 0: setfsuid to this uid changes nothing
}  // namespace

// glibc's setfsuid, interposed for the whole process, pam_totp.so included (the executable
// exports its symbols): while refused_fsuid is set, switching to that uid fails the way it
// does without CAP_SETUID.
extern "C" int setfsuid(uid_t uid) noexcept {
  using Real = int (*)(uid_t);
  static const Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "setfsuid"));
  if (static_cast<long>(uid) == refused_fsuid.load()) return real(static_cast<uid_t>(-1));
  return real(uid);
}

namespace pamtotp {
namespace {

using testing::LogContains;
using testing::PamFixture;
using testing::PamRun;

constexpr char kWorldVariable[] = "PAMTOTP_HOME_WORLD";
constexpr gid_t kTeamGid = 4500;
constexpr char kStoreArg[] = "store=~/.pam_totp";

bool Root() { return geteuid() == 0; }

// The directories the parent made; carol's uid comes from nss_wrapper.
struct World {
  std::string dir;   // passwd, group, team/
  std::string team;  // root:pamtotp-team 0750 when run as root
  std::string home;  // team/home/carol
  uid_t uid = 0;
  gid_t gid = 0;
  std::string store() const { return home + "/.pam_totp"; }
  std::string state() const { return store() + ".state"; }
};

World& TheWorld() {
  static World world;
  return world;
}

struct stat StatOf(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) fail_msg("cannot stat %s", path.c_str());
  return st;
}

void Check(int rc, const char* what) {
  if (rc != 0) fail_msg("%s failed", what);
}

// Empties carol's home and gives it back to her with mode 0755.
void ResetHome() {
  const World& w = TheWorld();
  for (const auto& entry : std::filesystem::directory_iterator(w.home)) {
    std::filesystem::remove_all(entry.path());
  }
  Check(chown(w.home.c_str(), w.uid, w.gid), "chown home");
  Check(chmod(w.home.c_str(), 0755), "chmod home");
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

// Enrolls a device in carol's home as totpctl would (root: as carol). Returns its key.
std::string EnrollCarol() {
  Result<std::unique_ptr<Store>> store = OpenFileStoreForUser("~/.pam_totp", "carol");
  if (!store.ok()) fail_msg("%s", store.status().message().c_str());
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  Result<std::string> id = GenerateDeviceId();
  assert_true(secret.ok() && id.ok());
  std::string key(Base32Encode(secret->bytes()).view());
  Device device{*id, "Phone", std::move(secret).value(), HashAlgorithm::kSha1,
                6,   30,      std::time(nullptr)};
  Status s = (*store)->EditDevices("carol", [&](Enrollment& enrollment) {
    enrollment.devices.push_back(device.Clone());
    return Status::Ok();
  });
  if (!s.ok()) fail_msg("%s", s.message().c_str());
  return key;
}

std::string CurrentCode(const std::string& key) {
  testing::AvoidStepBoundary();
  return testing::OathtoolTotp(key, std::time(nullptr));
}

// This thread's fsuid, fsgid and groups, read with the raw calls (not the code under test).
struct Identity {
  int fsuid;
  int fsgid;
  std::vector<gid_t> groups;
  bool operator==(const Identity&) const = default;
};

Identity Probe() {
  Identity id{setfsuid(static_cast<uid_t>(-1)), setfsgid(static_cast<gid_t>(-1)), {}};
  id.groups.resize(static_cast<size_t>(getgroups(0, nullptr)));
  id.groups.resize(
      static_cast<size_t>(getgroups(static_cast<int>(id.groups.size()), id.groups.data())));
  return id;
}

// Lets carol read the PAM service and config files too (the fixture directory is 0700).
void OpenToCarol(const PamFixture& pam) { Check(chmod(pam.dir().c_str(), 0755), "chmod"); }

// A login with the store under test refused: PAM_AUTH_ERR and `message` in the log.
void ExpectRefused(const PamFixture& pam, const std::string& message) {
  PamRun run = pam.Authenticate("carol", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  if (!LogContains(run.log, "store error, denied: " + message)) {
    for (const std::string& line : run.log) std::printf("log: %s\n", line.c_str());
    fail_msg("no log line with: %s", message.c_str());
  }
}

void CodeFromCarolsHomeIsAcceptedAndStateStaysHers(void**) {
  ResetHome();
  const World& w = TheWorld();
  std::string key = EnrollCarol();
  for (const std::string& path : {w.store(), w.state()}) {
    assert_int_equal(StatOf(path).st_uid, w.uid);
    assert_int_equal(StatOf(path).st_mode & 07777, 0600);
  }
  std::string state_before = testing::ReadFile(w.state());
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  const Identity before = Probe();
  std::string code = CurrentCode(key);
  PamRun run = pam.Authenticate("carol", code);
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(Probe() == before);  // fsuid, fsgid and groups are the test's own again
  // The state was written, and as carol: the file is still hers and private.
  assert_true(testing::ReadFile(w.state()) != state_before);
  assert_int_equal(StatOf(w.state()).st_uid, w.uid);
  assert_int_equal(StatOf(w.state()).st_mode & 07777, 0600);
  run = pam.Authenticate("carol", code);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "replay refused"));
  assert_true(Probe() == before);
  if (Root()) {
    assert_int_equal(Probe().fsuid, 0);
    assert_int_equal(StatOf(w.store()).st_uid, 4242);
  }
}

void FileOwnedBySomeoneElseIsRefused(void**) {
  if (!Root()) {
    std::printf("skipped: giving a file to another uid needs root\n");
    skip();
  }
  ResetHome();
  const World& w = TheWorld();
  EnrollCarol();
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  Check(chown(w.store().c_str(), 4343, 4343), "chown");
  // Private to uid 4343: carol cannot even open it.
  ExpectRefused(pam, "cannot open " + w.store() + ": Permission denied");
  // Readable by carol, but not hers: the owner check names whom to give it to.
  Check(chmod(w.store().c_str(), 0644), "chmod");
  ExpectRefused(pam, w.store() + " is owned by uid 4343; it must be owned by carol or root " +
                         "(chown carol " + w.store() + ")");
  assert_int_equal(Probe().fsuid, 0);
}

void FileOthersCanReadIsRefused(void**) {
  ResetHome();
  const World& w = TheWorld();
  EnrollCarol();
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  Check(chmod(w.store().c_str(), 0644), "chmod");
  ExpectRefused(pam, w.store() + " has mode 0644, readable or writable by others; run chmod 600 " +
                         w.store());
  Check(chmod(w.store().c_str(), 0600), "chmod");
  Check(chmod(w.state().c_str(), 0660), "chmod");
  ExpectRefused(pam, w.state() + " has mode 0660, readable or writable by others; run chmod 600 " +
                         w.state());
}

void SymlinkIsRefused(void**) {
  ResetHome();
  const World& w = TheWorld();
  EnrollCarol();
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  std::string real = w.home + "/real.totp";
  Check(rename(w.store().c_str(), real.c_str()), "rename");
  Check(symlink(real.c_str(), w.store().c_str()), "symlink");
  ExpectRefused(pam, w.store() + " is a symlink; refusing to follow it");
}

void HomeOthersCanWriteIsRefused(void**) {
  ResetHome();
  const World& w = TheWorld();
  EnrollCarol();
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  for (mode_t mode : {mode_t{0775}, mode_t{0757}}) {
    Check(chmod(w.home.c_str(), mode), "chmod home");
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    ExpectRefused(pam,
                  w.home + " has mode " + octal + ", writable by others; run chmod go-w " + w.home);
  }
}

// No passwd entry: the same prompt and the same failure as carol without a device, and no
// file appears anywhere.
void UnknownUserLooksLikeAUserWithoutDevices(void**) {
  ResetHome();
  const World& w = TheWorld();
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  PamRun unknown = pam.Authenticate("nosuchuser", "123456");
  PamRun carol = pam.Authenticate("carol", "123456");
  for (const PamRun* run : {&unknown, &carol}) {
    assert_int_equal(run->result, PAM_AUTH_ERR);
    assert_int_equal(run->prompts, 1);
    assert_string_equal(run->last_prompt.c_str(), "Verification code: ");
    assert_true(LogContains(run->log, "no device enrolled; denied"));
  }
  assert_int_equal(EntriesIn(w.home), 0);
  assert_int_equal(EntriesIn(w.team + "/home"), 1);
  assert_int_equal(EntriesIn(w.team), 1);
  // nullok leaves both to the other modules alike (alone in the stack, libpam then denies).
  pam.SetModuleArgs(std::string(kStoreArg) + " nullok");
  for (const char* user : {"nosuchuser", "carol"}) {
    PamRun run = pam.Authenticate(user, "123456");
    assert_int_equal(run.result, PAM_PERM_DENIED);
    assert_int_equal(run.prompts, 0);
    assert_true(LogContains(run.log, "no device enrolled; nullok, so this module is ignored"));
  }
  assert_int_equal(EntriesIn(w.home), 0);
}

// If the module cannot switch back to root's identity after reading carol's files, the login
// is denied and the log says why.
void FailedRestoreDeniesTheLogin(void**) {
  if (!Root()) {
    std::printf("skipped: no identity is switched when not root\n");
    skip();
  }
  ResetHome();
  std::string key = EnrollCarol();
  PamFixture pam(kStoreArg);
  const Identity before = Probe();
  std::string code = CurrentCode(key);
  refused_fsuid = 0;
  PamRun run = pam.Authenticate("carol", code);
  refused_fsuid = -1;
  const bool stuck = Probe().fsuid == 4242;
  setfsuid(0);  // put the test process right before asserting anything
  assert_true(stuck);
  assert_true(Probe() == before);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log,
                          "store error, denied: cannot restore this thread's file "
                          "system identity (fsuid 0, fsgid 0"));
  assert_true(LogContains(run.log, "it is now fsuid 4242"));
  // The switch itself failing is refused as well, with nothing left switched.
  refused_fsuid = 4242;
  run = pam.Authenticate("carol", code);
  refused_fsuid = -1;
  assert_true(Probe() == before);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log,
                          "store error, denied: cannot switch the file system uid to those of "
                          "uid 4242 (is CAP_SETUID/CAP_SETGID missing?)"));
  // The first attempt had checked and recorded the code (as carol) before the restore failed:
  // the login was denied all the same, and the code is spent, as a replay now shows.
  PamRun again = pam.Authenticate("carol", code);
  assert_int_equal(again.result, PAM_AUTH_ERR);
  assert_true(LogContains(again.log, "code already used on device 'Phone'; replay refused"));
}

// Runs pam_authenticate as carol in a child (a screen locker running as the user): exit 0 if
// the result is `want` and the log holds `needle`. Killed after 60 s: it must not hang.
void ExpectAsCarol(const PamFixture& pam, const std::string& code, int want,
                   const std::string& needle) {
  const World& w = TheWorld();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    alarm(60);
    gid_t groups[] = {w.gid, kTeamGid};
    if (setgroups(2, groups) != 0 || setgid(w.gid) != 0 || setuid(w.uid) != 0) _exit(3);
    PamRun run = pam.Authenticate("carol", code);
    bool logged = needle.empty() || LogContains(run.log, needle);
    if (run.result != want || !logged) {
      std::fprintf(stderr, "as carol: result %d, want %d\n", run.result, want);
      for (const std::string& line : run.log) std::fprintf(stderr, "log: %s\n", line.c_str());
    }
    _exit(run.result != want ? 1 : logged ? 0 : 2);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) fail_msg("the child died of signal %d", WTERMSIG(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

void CallerThatIsTheUserReadsHerOwnStore(void**) {
  if (!Root()) {
    std::printf("skipped: becoming carol in a child needs root\n");
    skip();
  }
  ResetHome();
  const World& w = TheWorld();
  std::string key = EnrollCarol();
  PamFixture pam(kStoreArg);
  OpenToCarol(pam);
  ExpectAsCarol(pam, CurrentCode(key), PAM_SUCCESS, "code accepted from device 'Phone'");
  assert_int_equal(StatOf(w.state()).st_uid, 4242);
}

void CallerThatIsTheUserCannotReadRootsStore(void**) {
  if (!Root()) {
    std::printf("skipped: becoming carol in a child needs root\n");
    skip();
  }
  PamFixture pam;  // the system store: <dir>/store/%u.totp, root's, mode 0700
  OpenToCarol(pam);
  std::string key = pam.Enroll("carol", "Phone");
  ExpectAsCarol(pam, CurrentCode(key), PAM_AUTH_ERR,
                "cannot open directory " + pam.dir() +
                    "/store: Permission denied (this program runs as uid 4242, not root: "
                    "pam_totp can only use a store that uid may read, such as "
                    "store=~/.pam_totp)");
}

// The parent: makes carol's world and runs this program again inside it.
int RunInWorld(char** argv) {
  testing::TempDir world;
  const bool root = Root();
  const std::string team = world.File("team");
  const std::string home = team + "/home/carol";
  const uid_t uid = root ? 4242 : geteuid();
  const gid_t gid = root ? 4242 : getegid();
  std::filesystem::create_directories(home);
  if (chmod(world.path().c_str(), 0755) != 0 || chmod(home.c_str(), 0755) != 0 ||
      chmod((team + "/home").c_str(), 0755) != 0 ||
      (root && (chown(team.c_str(), 0, kTeamGid) != 0 || chmod(team.c_str(), 0750) != 0))) {
    std::fprintf(stderr, "cannot set up %s\n", world.path().c_str());
    return 1;
  }
  testing::WriteFile(world.File("passwd"),
                     "root:x:0:0:root:/root:/bin/sh\ncarol:x:" + std::to_string(uid) + ":" +
                         std::to_string(gid) + ":Carol:" + home + ":/bin/sh\n",
                     0644);
  testing::WriteFile(world.File("group"),
                     "root:x:0:\ncarol:x:" + std::to_string(gid) +
                         ":\npamtotp-team:x:" + std::to_string(kTeamGid) + ":carol\n",
                     0644);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    setenv("LD_PRELOAD", NSS_WRAPPER_SO, 1);
    setenv("NSS_WRAPPER_PASSWD", world.File("passwd").c_str(), 1);
    setenv("NSS_WRAPPER_GROUP", world.File("group").c_str(), 1);
    setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
    setenv("NSS_WRAPPER_DISABLE_DEEPBIND", "1", 1);  // RTLD_DEEPBIND breaks sanitizers
    setenv(kWorldVariable, world.path().c_str(), 1);
    execv("/proc/self/exe", argv);
    std::perror("execv");
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace
}  // namespace pamtotp

int main(int /*argc*/, char** argv) {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const char* dir = std::getenv(kWorldVariable);
  if (dir == nullptr) return RunInWorld(argv);
  World& w = TheWorld();
  w.dir = dir;
  w.team = w.dir + "/team";
  w.home = w.team + "/home/carol";
  struct passwd* carol = getpwnam("carol");
  if (carol == nullptr) {
    std::fprintf(stderr,
                 "nss_wrapper is not active (%s): install libnss-wrapper "
                 "(scripts/install-deps)\n",
                 NSS_WRAPPER_SO);
    return 1;
  }
  w.uid = carol->pw_uid;
  w.gid = carol->pw_gid;
  if (!Root()) std::printf("not root: carol is uid %u, and no identity is switched\n", w.uid);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(CodeFromCarolsHomeIsAcceptedAndStateStaysHers),
      cmocka_unit_test(FileOwnedBySomeoneElseIsRefused),
      cmocka_unit_test(FileOthersCanReadIsRefused),
      cmocka_unit_test(SymlinkIsRefused),
      cmocka_unit_test(HomeOthersCanWriteIsRefused),
      cmocka_unit_test(UnknownUserLooksLikeAUserWithoutDevices),
      cmocka_unit_test(FailedRestoreDeniesTheLogin),
      cmocka_unit_test(CallerThatIsTheUserReadsHerOwnStore),
      cmocka_unit_test(CallerThatIsTheUserCannotReadRootsStore),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
