// Fault injection: a write, fsync, rename or fallocate that fails (ENOSPC, EIO) under totpctl
// and under a login (fault_shim.so, LD_PRELOAD'ed into the built totpctl and pam_try); kill -9
// at random moments of enrollments and logins; a read-only store; a store with the wrong owner
// or mode. Each must end in a clear error, deny rather than admit, and lose nothing: the files
// always parse and hold the old or the new version. Prints how many faults were injected.
#include <fcntl.h>
#include <sched.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include "core/store.h"
#include "tests/hardening_support.h"
#include "tests/pam_harness.h"

namespace pamtotp {
namespace {

using testing::CommandResult;
using testing::EnrollHotp;
using testing::Env;
using testing::HotpCode;
using testing::InspectStore;
using testing::LogContains;
using testing::OpenStoreOrFail;
using testing::PamFixture;
using testing::StoreFiles;

void ExpectParses(const StoreFiles& files) {
  if (!files.error.empty()) fail_msg("%s", files.error.c_str());
}

std::set<std::string> Names(const StoreFiles& files) {
  return std::set<std::string>(files.names.begin(), files.names.end());
}

Env FaultEnv(long nth, const std::string& error, const std::string& log) {
  unlink(log.c_str());
  return {{"LD_PRELOAD", FAULT_SHIM_SO},
          {"PAMTOTP_FAULT_NTH", std::to_string(nth)},
          {"PAMTOTP_FAULT_ERRNO", error},
          {"PAMTOTP_FAULT_LOG", log}};
}

// The calls the shim counted ("NAME ok" or "NAME FAILED"), in order.
std::vector<std::string> Calls(const std::string& log) {
  std::vector<std::string> calls;
  std::istringstream in(testing::ReadFile(log));
  std::string n, name, result;
  while (in >> n >> name >> result) calls.push_back(name + " " + result);
  return calls;
}

// The call that was made to fail, or "" if the Nth call never came.
std::string FailedCall(const std::string& log) {
  for (const std::string& call : Calls(log)) {
    if (call.ends_with(" FAILED")) return call.substr(0, call.find(' '));
  }
  return "";
}

const char* Strerror(const std::string& error) {
  return std::strerror(error == "EIO" ? EIO : ENOSPC);
}

std::vector<std::string> Totpctl(const PamFixture& pam, const std::string& user,
                                 std::vector<std::string> args) {
  std::vector<std::string> argv = {TOTPCTL,   "--config",           pam.dir() + "/pam_totp.conf",
                                   "--store", pam.store_template(), "--user",
                                   user};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> PamTry(const PamFixture& pam, const std::string& user) {
  return {PAM_TRY, pam.dir(), "pamtotp-test", user};
}

Status RemoveDevice(Store& store, const std::string& user, const std::string& name) {
  return store.EditDevices(user, [&](Enrollment& e) {
    std::erase_if(e.devices, [&](const Device& d) { return d.name == name; });
    return Status::Ok();
  });
}

// totpctl enroll with its Nth write, fsync, rename or fallocate failing, for every N, for an
// existing user and a new one: exit status 1 and the system's reason; the devices file is the
// old one, or (only when the failure hit after the rename) the new one; no temp file is left.
void EnrollmentWriteFaultsFailCleanly(void**) {
  PamFixture pam;
  pam.Enroll("alice", "first");
  std::unique_ptr<Store> store = OpenStoreOrFail(pam.store_template());
  const std::string log = pam.dir() + "/faults.log";
  int faults = 0, saved_anyway = 0;
  for (const std::string user : {"alice", "newbie"}) {
    const std::string before = testing::ReadFile(pam.DevicesPath(user));
    CommandResult probe = testing::RunWithEnv(
        Totpctl(pam, user, {"enroll", "--name", "probe", "--no-confirm"}), FaultEnv(0, "", log));
    assert_int_equal(probe.exit_code, 0);
    const size_t calls = Calls(log).size();
    assert_true(calls >= 4);  // write and fsync the new file, rename, fsync the directory
    assert_true(RemoveDevice(*store, user, "probe").ok());
    for (const std::string error : {"ENOSPC", "EIO"}) {
      for (size_t n = 1; n <= calls; ++n) {
        const std::string name = "dev-" + error + "-" + std::to_string(n);
        CommandResult r =
            testing::RunWithEnv(Totpctl(pam, user, {"enroll", "--name", name, "--no-confirm"}),
                                FaultEnv(static_cast<long>(n), error, log));
        const std::string failed = FailedCall(log);
        if (failed.empty()) fail_msg("call %zu of %zu never came", n, calls);
        ++faults;
        assert_int_equal(r.exit_code, 1);
        ASSERT_CONTAINS(r.err, "totpctl: ");
        ASSERT_CONTAINS(r.err, Strerror(error));
        ASSERT_CONTAINS(r.err, pam.dir() + "/store");
        StoreFiles after = InspectStore(pam.DevicesPath(user));
        ExpectParses(after);
        assert_true(testing::TempFilesIn(pam.dir() + "/store").empty());
        if (Names(after).count(name) != 0) {
          // Only the directory's fsync comes after the rename: the new file is in place.
          assert_string_equal(failed.c_str(), "fsync");
          assert_int_equal(n, calls);
          ++saved_anyway;
          assert_true(RemoveDevice(*store, user, name).ok());
        } else {
          assert_true(testing::ReadFile(pam.DevicesPath(user)) == before);
          if (user == "newbie") assert_false(after.state_exists);  // nothing left behind
        }
      }
    }
  }
  print_message(
      "faults: totpctl enroll: %d write faults injected (ENOSPC, EIO at every call), "
      "all failed with the reason; %d hit after the rename and kept the new file; "
      "nothing lost\n",
      faults, saved_anyway);
}

// A right code whose login cannot record its step must be denied: otherwise the same code would
// work again. Each fault at each call of a login, for an HOTP token; then the TOTP case.
void LoginWriteFaultsDeny(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  const std::string log = pam.dir() + "/faults.log";
  CommandResult probe =
      testing::RunWithEnv(PamTry(pam, "alice"), FaultEnv(0, "", log), HotpCode(key, 0) + "\n");
  ASSERT_CONTAINS(probe.out, "PAM result: Success");
  const size_t calls = Calls(log).size();
  assert_true(calls >= 2);  // write the slot, fdatasync it
  uint64_t counter = 1;
  int faults = 0;
  for (const std::string error : {"ENOSPC", "EIO"}) {
    for (size_t n = 1; n <= calls; ++n, ++counter) {
      const std::string code = HotpCode(key, counter);
      CommandResult r = testing::RunWithEnv(
          PamTry(pam, "alice"), FaultEnv(static_cast<long>(n), error, log), code + "\n");
      const std::string failed = FailedCall(log);
      ++faults;
      assert_int_equal(r.exit_code, 1);
      ASSERT_CONTAINS(r.out, "PAM result: Authentication failure");
      ASSERT_CONTAINS(r.err, "store error, denied: ");
      ASSERT_CONTAINS(r.err, std::string(Strerror(error)));
      ExpectParses(InspectStore(pam.DevicesPath("alice")));
      // Unless the slot reached the file before the flush failed, nothing was recorded and the
      // same code still works; either way it never works twice.
      CommandResult again = testing::RunCommand(PamTry(pam, "alice"), code + "\n");
      if (failed == "pwrite" || failed == "write" || failed == "posix_fallocate") {
        ASSERT_CONTAINS(again.out, "PAM result: Success");
      } else {
        ASSERT_CONTAINS(again.out, "PAM result: Authentication failure");
      }
      CommandResult third = testing::RunCommand(PamTry(pam, "alice"), code + "\n");
      ASSERT_CONTAINS(third.out, "PAM result: Authentication failure");
    }
  }
  const std::string totp_key = pam.Enroll("tina", "phone");
  testing::AvoidStepBoundary(8);
  const std::string code = testing::OathtoolTotp(totp_key, std::time(nullptr));
  CommandResult denied =
      testing::RunWithEnv(PamTry(pam, "tina"), FaultEnv(1, "ENOSPC", log), code + "\n");
  ++faults;
  ASSERT_CONTAINS(denied.out, "PAM result: Authentication failure");
  ASSERT_CONTAINS(testing::RunCommand(PamTry(pam, "tina"), code + "\n").out, "PAM result: Success");
  ASSERT_CONTAINS(testing::RunCommand(PamTry(pam, "tina"), code + "\n").out,
                  "PAM result: Authentication failure");
  print_message(
      "faults: logins: %d write faults injected with right codes, every one denied "
      "(\"store error, denied: ...\"), no code ever admitted twice\n",
      faults);
}

bool Synced(const std::string& log) {
  for (const std::string& call : Calls(log)) {
    if (call.starts_with("fdatasync") || call.starts_with("fsync")) return true;
  }
  return false;
}

bool Wrote(const std::string& log) {
  for (const std::string& call : Calls(log)) {
    if (call.starts_with("pwrite") || call.starts_with("write")) return true;
  }
  return false;
}

// What a login syncs to disk (store.h, NeedsSync): a TOTP login or a wrong code writes its
// slot and leaves it to the kernel's writeback; an HOTP counter or a recovery code, which no
// boot-time rule protects, is synced before the login succeeds.
void OnlyOneTimeValuesWithoutATimeAreSynced(void**) {
  PamFixture pam;
  const std::string log = pam.dir() + "/calls.log";
  const std::string key = pam.Enroll("tina", "phone");
  testing::AvoidStepBoundary(8);
  const std::string code = testing::OathtoolTotp(key, std::time(nullptr));
  CommandResult totp = testing::RunWithEnv(PamTry(pam, "tina"), FaultEnv(0, "", log), code + "\n");
  ASSERT_CONTAINS(totp.out, "PAM result: Success");
  assert_true(Wrote(log));
  assert_false(Synced(log));
  CommandResult wrong = testing::RunWithEnv(PamTry(pam, "tina"), FaultEnv(0, "", log), "000000\n");
  ASSERT_CONTAINS(wrong.out, "PAM result: Authentication failure");
  assert_true(Wrote(log));
  assert_false(Synced(log));

  const std::string hotp_key = EnrollHotp(pam.store_template(), "hana", "token");
  CommandResult hotp =
      testing::RunWithEnv(PamTry(pam, "hana"), FaultEnv(0, "", log), HotpCode(hotp_key, 0) + "\n");
  ASSERT_CONTAINS(hotp.out, "PAM result: Success");
  assert_true(Synced(log));

  CommandResult made = testing::RunCommand(Totpctl(pam, "tina", {"recovery-codes", "--json"}));
  assert_int_equal(made.exit_code, 0);
  const std::string recovery = made.out.substr(made.out.find("[\"") + 2, 14);
  CommandResult spent =
      testing::RunWithEnv(PamTry(pam, "tina"), FaultEnv(0, "", log), recovery + "\n");
  ASSERT_CONTAINS(spent.out, "PAM result: Success");
  assert_true(Synced(log));
  print_message(
      "faults: syncs: a TOTP login and a wrong code write without a sync; an HOTP login and a "
      "recovery code are synced\n");
}

// Messages "?OP" (about to) and "+OP"/"-OP" (done) from a child killed at a random moment.
struct Journal {
  std::vector<std::string> done;
  std::string pending;  // started, not acknowledged ("" if none)
};

Journal ReadJournal(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  Journal j;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '?') {
      j.pending = line.substr(1);
    } else {
      j.done.push_back(line);
      j.pending.clear();
    }
  }
  return j;
}

void Note(int fd, const std::string& line) {
  std::string text = line + "\n";
  if (write(fd, text.data(), text.size()) < 0) _exit(3);
}

// Applies "+name" or "-name" to a set of device names.
void Apply(std::set<std::string>& names, const std::string& op) {
  if (op[0] == '+') names.insert(op.substr(1));
  if (op[0] == '-') names.erase(op.substr(1));
}

// Runs `loop` in a child killed with SIGKILL after a random 1-40 ms; returns its journal.
Journal KillDuring(std::mt19937& rng, const std::function<void(int fd)>& loop) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    try {
      loop(fds[1]);
    } catch (...) {
    }
    _exit(4);
  }
  close(fds[1]);
  usleep(1000 * std::uniform_int_distribution<unsigned>(1, 40)(rng));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  Journal j = ReadJournal(fds[0]);
  close(fds[0]);
  if (!WIFSIGNALED(status)) fail_msg("the child ended before it was killed (status %d)", status);
  return j;
}

void CleanTempFiles(const std::string& dir, int& left) {
  for (const std::string& name : testing::TempFilesIn(dir)) {
    ++left;
    unlink((dir + "/" + name).c_str());
  }
}

// kill -9 in the middle of enrollments and removals (core EditDevices), of logins, and of the
// totpctl program: the files always parse and hold exactly the acknowledged changes, or those
// plus the one in flight.
void KillNineLosesNothing(void**) {
  PamFixture pam;
  const std::string store_dir = pam.dir() + "/store";
  std::mt19937 rng(static_cast<unsigned>(std::time(nullptr)));
  constexpr int kRounds = 30;
  int kills = 0, in_flight = 0, temp_left = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::set<std::string> names = Names(InspectStore(pam.DevicesPath("alice")));
    Journal j = KillDuring(rng, [&](int fd) {
      std::unique_ptr<Store> store = OpenStoreOrFail(pam.store_template());
      std::set<std::string> mine = names;
      for (int i = 0;; ++i) {
        std::string add = "r" + std::to_string(round) + "-" + std::to_string(i);
        Note(fd, "?+" + add);
        if (!pam.Enroll("alice", add).empty()) Note(fd, "+" + add);
        mine.insert(add);
        if (mine.size() > 6) {
          std::string old = *mine.begin();
          Note(fd, "?-" + old);
          if (RemoveDevice(*store, "alice", old).ok()) Note(fd, "-" + old);
          mine.erase(old);
        }
      }
    });
    ++kills;
    for (const std::string& op : j.done) Apply(names, op);
    StoreFiles after = InspectStore(pam.DevicesPath("alice"));
    ExpectParses(after);
    std::set<std::string> with_pending = names;
    if (!j.pending.empty()) Apply(with_pending, j.pending);
    if (Names(after) != names && Names(after) != with_pending) {
      fail_msg("round %d: the devices file holds neither the old nor the new version", round);
    }
    in_flight += Names(after) == with_pending && Names(after) != names ? 1 : 0;
    CleanTempFiles(store_dir, temp_left);
  }

  const std::string key = EnrollHotp(pam.store_template(), "hana", "token");
  std::optional<uint64_t> last;  // the last counter recorded
  for (int round = 0; round < kRounds; ++round) {
    const uint64_t next = last ? *last + 1 : 0;
    Journal j = KillDuring(rng, [&](int fd) {
      for (uint64_t c = next;; ++c) {
        Note(fd, "?" + std::to_string(c));
        if (pam.Authenticate("hana", HotpCode(key, c)).result != PAM_SUCCESS) _exit(5);
        Note(fd, "+" + std::to_string(c));
      }
    });
    ++kills;
    StoreFiles after = InspectStore(pam.DevicesPath("hana"));
    ExpectParses(after);
    assert_int_equal(after.failures, 0);
    std::optional<uint64_t> acked = last;
    if (!j.done.empty()) acked = std::stoull(j.done.back().substr(1));
    std::optional<uint64_t> got;
    if (after.last_step.count("token") != 0) got = after.last_step["token"];
    if (got != acked && (j.pending.empty() || got != std::stoull(j.pending))) {
      fail_msg("round %d: the state holds neither the acknowledged login nor the one in flight",
               round);
    }
    last = got;
  }

  for (int round = 0; round < kRounds; ++round) {
    std::set<std::string> before = Names(InspectStore(pam.DevicesPath("tom")));
    const std::string name = "t" + std::to_string(round);
    pid_t pid = testing::Spawn(Totpctl(pam, "tom", {"enroll", "--name", name, "--no-confirm"}), {});
    usleep(1000 * std::uniform_int_distribution<unsigned>(0, 30)(rng));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ++kills;
    StoreFiles after = InspectStore(pam.DevicesPath("tom"));
    ExpectParses(after);
    std::set<std::string> added = before;
    added.insert(name);
    assert_true(Names(after) == before || Names(after) == added);
    if (after.names.size() > 20)
      assert_true(
          RemoveDevice(*OpenStoreOrFail(pam.store_template()), "tom", *Names(after).begin()).ok());
    CleanTempFiles(store_dir, temp_left);
  }
  // Still usable: a login with the next code works.
  assert_int_equal(pam.Authenticate("hana", HotpCode(key, last ? *last + 1 : 0)).result,
                   PAM_SUCCESS);
  print_message(
      "faults: kill -9: %d processes killed (%d enrollment/removal loops, %d login "
      "loops, %d totpctl runs); every file parsed and held the old or new version; %d "
      "edits in flight landed whole; %d temporary files left behind by killed writers\n",
      kills, kRounds, kRounds, kRounds, in_flight, temp_left);
}

// For forked children, where cmocka's assertions must not run.
#define CHILD_CHECK(condition)                                                     \
  do {                                                                             \
    if (!(condition)) {                                                            \
      std::fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #condition); \
      _exit(1);                                                                    \
    }                                                                              \
  } while (0)

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The store on a tmpfs that is then remounted read-only (in a private mount namespace): a
// login with a right code is denied, since its step cannot be recorded; totpctl cannot enroll;
// after the remount read-write the same code works, once.
void ReadOnlyStoreFailsClosed(void**) {
  if (geteuid() != 0) fail_msg("needs root for a private tmpfs (CI runs as root)");
  PamFixture pam;
  pid_t pid = fork();
  if (pid == 0) {
    const std::string store = pam.dir() + "/store";
    const std::string devices = pam.DevicesPath("alice");
    CHILD_CHECK(unshare(CLONE_NEWNS) == 0);
    CHILD_CHECK(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    CHILD_CHECK(mount("tmpfs", store.c_str(), "tmpfs", 0, "size=1m,mode=0700") == 0);
    const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
    const std::string before = testing::ReadFile(devices);
    CHILD_CHECK(mount(nullptr, store.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);
    testing::PamRun run = pam.Authenticate("alice", HotpCode(key, 0));
    CHILD_CHECK(run.result == PAM_AUTH_ERR);
    CHILD_CHECK(LogContains(
        run.log, "store error, denied: cannot open " + devices + ".state: Read-only file system"));
    CommandResult enroll =
        testing::RunCommand(Totpctl(pam, "alice", {"enroll", "--name", "two", "--no-confirm"}));
    CHILD_CHECK(enroll.exit_code == 1);
    CHILD_CHECK(Contains(enroll.err, "Read-only file system"));
    // Listing reads only, but takes the state file's lock, which opens it for writing: it may
    // fail too, if it says why.
    CommandResult list = testing::RunCommand(Totpctl(pam, "alice", {"list"}));
    CHILD_CHECK((list.exit_code == 0 && Contains(list.out, "token")) ||
                (list.exit_code == 1 && Contains(list.err, "Read-only file system")));
    CHILD_CHECK(testing::ReadFile(devices) == before);
    CHILD_CHECK(mount(nullptr, store.c_str(), nullptr, MS_REMOUNT, nullptr) == 0);
    CHILD_CHECK(pam.Authenticate("alice", HotpCode(key, 0)).result == PAM_SUCCESS);
    CHILD_CHECK(pam.Authenticate("alice", HotpCode(key, 0)).result == PAM_AUTH_ERR);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  print_message(
      "faults: read-only store: login denied with the reason, enrollment refused, nothing "
      "changed, and the code still good once the store is writable again\n");
}

struct Breakage {
  std::string what;
  std::function<int()> break_it;  // returns 0 on success, like the calls it makes
  std::function<int()> fix_it;
  std::string message;  // what the module logs and totpctl prints
};

std::vector<Breakage> Breakages(const PamFixture& pam) {
  const std::string dir = pam.dir(), store = dir + "/store", dev = pam.DevicesPath("alice");
  const std::string state = dev + ".state", aside = dir + "/aside";
  auto mode = [](const std::string& path, mode_t bad, mode_t good, const std::string& message) {
    return Breakage{path + " mode " + std::to_string(bad), [=] { return chmod(path.c_str(), bad); },
                    [=] { return chmod(path.c_str(), good); }, message};
  };
  auto owner = [](const std::string& path, const std::string& message) {
    return Breakage{path + " owner",
                    [=] { return chown(path.c_str(), 4242, static_cast<gid_t>(-1)); },
                    [=] { return chown(path.c_str(), 0, static_cast<gid_t>(-1)); }, message};
  };
  // `path` moved aside and replaced by what `make` creates.
  auto replaced = [=](const std::string& path, const std::string& what, std::function<int()> make,
                      std::function<int()> unmake, const std::string& message) {
    return Breakage{path + " " + what,
                    [=] { return rename(path.c_str(), aside.c_str()) || make(); },
                    [=] { return unmake() || rename(aside.c_str(), path.c_str()); }, message};
  };
  std::vector<Breakage> all;
  for (mode_t m : {0777u, 0770u, 0702u, 0720u}) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(m));
    all.push_back(
        mode(store, m, 0700,
             store + " has mode " + octal + ", writable by others; run chmod 700 " + store));
    all.push_back(mode(dir, m, 0700,
                       dir + " (above the store) has mode " + octal +
                           ", writable by others; the store must not be below it"));
  }
  all.push_back(owner(
      store, store + " is owned by uid 4242; it must be owned by root (chown root " + store + ")"));
  all.push_back(
      owner(dir, dir + " (above the store) is owned by uid 4242; it must be owned by root"));
  for (const std::string& file : {dev, state}) {
    for (mode_t m : {0644u, 0640u, 0604u, 0660u, 0606u, 0610u}) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(m));
      all.push_back(mode(
          file, m, 0600,
          file + " has mode " + octal + ", readable or writable by others; run chmod 600 " + file));
    }
    all.push_back(owner(
        file, file + " is owned by uid 4242; it must be owned by root (chown root " + file + ")"));
    const std::string link_name = store + "/hardlink";
    all.push_back(Breakage{file + " hard link",
                           [=] { return link(file.c_str(), link_name.c_str()); },
                           [=] { return unlink(link_name.c_str()); },
                           file + " has 2 hard links; it must have exactly one"});
    all.push_back(replaced(
        file, "symlink", [=] { return symlink(aside.c_str(), file.c_str()); },
        [=] { return unlink(file.c_str()); }, file + " is a symlink; refusing to follow it"));
    all.push_back(replaced(
        file, "fifo", [=] { return mkfifo(file.c_str(), 0600); },
        [=] { return unlink(file.c_str()); }, file + " is not a regular file"));
  }
  all.push_back(replaced(
      dev, "directory", [=] { return mkdir(dev.c_str(), 0700); },
      [=] { return rmdir(dev.c_str()); }, dev + " is not a regular file"));
  all.push_back(replaced(
      state, "directory", [=] { return mkdir(state.c_str(), 0700); },
      [=] { return rmdir(state.c_str()); }, "cannot open " + state + ": Is a directory"));
  return all;
}

// Each wrong owner, mode or file type of the store, its directory, the directory above it, the
// devices file and the state file: the login with a right code is denied and the log says what
// to fix; totpctl refuses with the same words; once fixed, the same code works.
void WrongOwnerOrModeFailsClosed(void**) {
  if (geteuid() != 0) fail_msg("needs root to chown (CI runs as root)");
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  uint64_t counter = 0;
  int cases = 0;
  for (const Breakage& b : Breakages(pam)) {
    if (b.break_it() != 0) fail_msg("%s: cannot set up: %s", b.what.c_str(), std::strerror(errno));
    testing::PamRun run = pam.Authenticate("alice", HotpCode(key, counter));
    CommandResult enroll =
        testing::RunCommand(Totpctl(pam, "alice", {"enroll", "--name", "x", "--no-confirm"}));
    if (b.fix_it() != 0) fail_msg("%s: cannot undo: %s", b.what.c_str(), std::strerror(errno));
    if (run.result != PAM_AUTH_ERR || !LogContains(run.log, b.message)) {
      std::string log;
      for (const std::string& line : run.log) log += line + "\n";
      fail_msg("%s: result %d, expected the log to say:\n%s\nlog:\n%s", b.what.c_str(), run.result,
               b.message.c_str(), log.c_str());
    }
    assert_int_equal(enroll.exit_code, 1);
    ASSERT_CONTAINS(enroll.err, b.message);
    assert_int_equal(pam.Authenticate("alice", HotpCode(key, counter++)).result, PAM_SUCCESS);
    ++cases;
  }
  StoreFiles files = InspectStore(pam.DevicesPath("alice"));
  ExpectParses(files);
  assert_true(files.names == std::vector<std::string>{"token"});
  print_message(
      "faults: %d wrong owners, modes and file types of the store: every login "
      "denied with the fix in the log, totpctl refused alike, nothing lost\n",
      cases);
}

}  // namespace
}  // namespace pamtotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pamtotp::EnrollmentWriteFaultsFailCleanly),
      cmocka_unit_test(pamtotp::LoginWriteFaultsDeny),
      cmocka_unit_test(pamtotp::OnlyOneTimeValuesWithoutATimeAreSynced),
      cmocka_unit_test(pamtotp::KillNineLosesNothing),
      cmocka_unit_test(pamtotp::ReadOnlyStoreFailsClosed),
      cmocka_unit_test(pamtotp::WrongOwnerOrModeFailsClosed),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
