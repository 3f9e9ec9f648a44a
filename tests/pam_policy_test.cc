// The module's guessing limits, recovery codes, HOTP tokens, clock-drift diagnosis, races and
// a full disk: pam_totp.so through the real libpam, codes from oathtool.
#include <sched.h>
#include <security/pam_appl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "core/base32.h"
#include "core/random.h"
#include "core/recovery.h"
#include "core/store.h"
#include "core/verifier.h"
#include "tests/pam_harness.h"

namespace pamtotp {
namespace {

using testing::AvoidStepBoundary;
using testing::LogContains;
using testing::OathtoolTotp;
using testing::PamFixture;
using testing::PamRun;

std::unique_ptr<Store> OpenStore(const PamFixture& pam) {
  Result<std::unique_ptr<Store>> store = OpenFileStore(pam.store_template());
  if (!store.ok()) fail_msg("%s", store.status().message().c_str());
  return std::move(store).value();
}

std::string Now(const std::string& key, int64_t offset = 0) {
  return OathtoolTotp(key, std::time(nullptr) + offset);
}

std::string Wrong(const std::string& code) {
  std::string wrong = code;
  wrong[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);
  return wrong;
}

std::string OathtoolHotp(const std::string& key, uint64_t counter) {
  testing::CommandResult r =
      testing::RunCommand({OATHTOOL, "--hotp", "-b", "-c", std::to_string(counter), key});
  if (r.exit_code != 0) fail_msg("oathtool: %s", r.err.c_str());
  return r.out.substr(0, r.out.find('\n'));
}

void LockoutAfterMaxFailuresRefusesEvenTheRightCode(void**) {
  PamFixture pam("max_failures=3 lockout_time=2");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary(6);
  std::string code = Now(key);
  for (int i = 1; i <= 3; ++i) {
    PamRun run = pam.Authenticate("alice", Wrong(code));
    assert_int_equal(run.result, PAM_AUTH_ERR);
    assert_true(LogContains(run.log, "wrong code; " + std::to_string(i) + " consecutive"));
  }
  PamRun locked = pam.Authenticate("alice", code);
  assert_int_equal(locked.result, PAM_AUTH_ERR);
  assert_true(LogContains(locked.log, "locked out after 3 consecutive failure(s), until "));
  assert_true(LogContains(locked.log, "; code not checked"));
  sleep(3);  // lockout_time=2 has run out
  assert_int_equal(pam.Authenticate("alice", code).result, PAM_SUCCESS);
}

void HardLockoutLastsUntilUnlocked(void**) {
  PamFixture pam("max_failures=2 lockout_time=0");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = Now(key);
  pam.Authenticate("alice", Wrong(code));
  pam.Authenticate("alice", Wrong(code));
  PamRun run = pam.Authenticate("alice", code);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "until an administrator runs totpctl unlock"));
  assert_true(ResetFailures(*OpenStore(pam), "alice").ok());
  assert_int_equal(pam.Authenticate("alice", code).result, PAM_SUCCESS);
}

// The account phase refuses a locked-out user, e.g. one who logs in with an SSH key only.
void AccountPhaseRefusesALockedOutUser(void**) {
  PamFixture pam;
  const std::string account =
      std::string("account required ") + PAM_TOTP_SO + " config=" + pam.dir() +
      "/pam_totp.conf store=" + pam.store_template() + " max_failures=2 lockout_time=0\n";
  pam.SetModuleArgs("max_failures=2 lockout_time=0", account);
  std::string key = pam.Enroll("alice", "phone");
  assert_int_equal(pam.AccountCheck("alice").result, PAM_SUCCESS);
  assert_int_equal(pam.AccountCheck("nobody-enrolled").result, PAM_SUCCESS);
  AvoidStepBoundary();
  std::string code = Now(key);
  pam.Authenticate("alice", Wrong(code));
  pam.Authenticate("alice", Wrong(code));
  PamRun run = pam.AccountCheck("alice");
  assert_int_equal(run.result, PAM_PERM_DENIED);
  assert_true(LogContains(run.log, "account: locked out after 2 failed codes; denied"));
  assert_true(ResetFailures(*OpenStore(pam), "alice").ok());
  assert_int_equal(pam.AccountCheck("alice").result, PAM_SUCCESS);
}

// After three failures the next attempt waits out a one-second backoff and is then checked.
void BackoffDelaysButDoesNotRefuse(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary(6);
  std::string code = Now(key);
  for (int i = 0; i < 3; ++i) pam.Authenticate("alice", Wrong(code));
  auto start = std::chrono::steady_clock::now();
  PamRun run = pam.Authenticate("alice", code);
  auto waited = std::chrono::steady_clock::now() - start;
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(waited >= std::chrono::milliseconds(200));
  assert_true(waited < std::chrono::seconds(3));
}

void RecoveryCodeWorksOnceAtTheSamePrompt(void**) {
  PamFixture pam;
  pam.Enroll("alice", "phone");
  Result<NewRecoveryCodes> fresh = GenerateRecoveryCodes(10, std::time(nullptr), {10, 8, 1});
  assert_true(fresh.ok());
  Status s = OpenStore(pam)->EditDevices("alice", [&](Enrollment& e) {
    e.recovery = fresh->set;
    return Status::Ok();
  });
  assert_true(s.ok());
  std::string code(fresh->codes[3].view());
  PamRun first = pam.Authenticate("alice", code);
  assert_int_equal(first.result, PAM_SUCCESS);
  assert_int_equal(first.prompts, 1);
  assert_true(LogContains(first.log, "recovery code accepted; 9 left"));
  PamRun again = pam.Authenticate("alice", code);
  assert_int_equal(again.result, PAM_AUTH_ERR);
  assert_true(LogContains(again.log, "code already used on device 'recovery code'"));
  // Typed in capitals with spaces, another code still works.
  std::string other(fresh->codes[4].view());
  for (char& c : other) c = c == '-' ? ' ' : static_cast<char>(std::toupper(c));
  assert_int_equal(pam.Authenticate("alice", other).result, PAM_SUCCESS);
}

void HotpTokenCountsAndResynchronises(void**) {
  PamFixture pam;
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  Result<std::string> id = GenerateDeviceId();
  assert_true(secret.ok() && id.ok());
  std::string key(Base32Encode(secret->bytes()).view());
  Device token{*id, "token", std::move(*secret), HashAlgorithm::kSha1, 6, 30, 0, OtpType::kHotp, 0};
  Status s = OpenStore(pam)->EditDevices("alice", [&](Enrollment& e) {
    e.devices.push_back(token.Clone());
    return Status::Ok();
  });
  assert_true(s.ok());
  assert_int_equal(pam.Authenticate("alice", OathtoolHotp(key, 0)).result, PAM_SUCCESS);
  assert_int_equal(pam.Authenticate("alice", OathtoolHotp(key, 3)).result, PAM_SUCCESS);
  PamRun replay = pam.Authenticate("alice", OathtoolHotp(key, 3));
  assert_int_equal(replay.result, PAM_AUTH_ERR);
  assert_true(LogContains(replay.log, "code already used on device 'token'"));
  // Pressed 50 times in a pocket: one code is not enough, two in a row are.
  PamRun ahead = pam.Authenticate("alice", OathtoolHotp(key, 54));
  assert_int_equal(ahead.result, PAM_AUTH_ERR);
  assert_true(LogContains(ahead.log, "HOTP device 'token' is 50 counters ahead"));
  assert_int_equal(pam.Authenticate("alice", OathtoolHotp(key, 55)).result, PAM_SUCCESS);
  assert_int_equal(pam.Authenticate("alice", OathtoolHotp(key, 56)).result, PAM_SUCCESS);
}

// hotp_window= from the module arguments: a token 5 presses ahead is in a window of 10 but not
// in one of 3 (then it needs the two-code resync).
void HotpWindowComesFromTheModuleArguments(void**) {
  PamFixture pam("hotp_window=3");
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  Result<std::string> id = GenerateDeviceId();
  assert_true(secret.ok() && id.ok());
  std::string key(Base32Encode(secret->bytes()).view());
  Device token{*id, "token", std::move(*secret), HashAlgorithm::kSha1, 6, 30, 0, OtpType::kHotp, 0};
  assert_true(OpenStore(pam)
                  ->EditDevices("alice",
                                [&](Enrollment& e) {
                                  e.devices.push_back(token.Clone());
                                  return Status::Ok();
                                })
                  .ok());
  PamRun narrow = pam.Authenticate("alice", OathtoolHotp(key, 5));
  assert_int_equal(narrow.result, PAM_AUTH_ERR);
  assert_true(LogContains(narrow.log, "is 5 counters ahead"));
  pam.SetModuleArgs("hotp_window=10");
  assert_int_equal(pam.Authenticate("alice", OathtoolHotp(key, 6)).result, PAM_SUCCESS);
}

void DebugLogsTheSettingsButNeverTheCode(void**) {
  PamFixture pam("debug window=2");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = Now(key);
  PamRun run = pam.Authenticate("alice", code);
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(LogContains(run.log, "window 2, store " + pam.DevicesPath("alice")));
  assert_false(LogContains(run.log, code));
  PamRun quiet = pam.Authenticate("alice", Wrong(code));
  assert_false(LogContains(quiet.log, Wrong(code)));
}

void ClockDriftIsDiagnosedButNeverAccepted(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", Now(key, -300));
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log,
                          "wrong code, but it matches step offset -10 of device 'phone': "
                          "check the device's clock"));
}

// Several processes given the same fresh code at the same moment: exactly one gets in.
void RacingLoginsWithOneCodeAdmitExactlyOne(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary(8);
  std::string code = Now(key);
  constexpr int kProcesses = 8;
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      close(ready[1]);
      char go;
      if (read(ready[0], &go, 1) < 0) _exit(3);
      _exit(pam.Authenticate("alice", code).result == PAM_SUCCESS ? 0 : 1);
    }
    children.push_back(pid);
  }
  close(ready[0]);
  close(ready[1]);  // EOF releases every child at once
  int successes = 0, failures = 0;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    (WEXITSTATUS(status) == 0 ? successes : failures) += 1;
  }
  assert_int_equal(successes, 1);
  assert_int_equal(failures, kProcesses - 1);
}

// In a private mount namespace: the store on a 512 KiB tmpfs that is then filled up.
void FullDiskStillLogsInAndStillRefusesReplay(void**) {
  if (geteuid() != 0) fail_msg("needs root for a private tmpfs (CI runs as root)");
  pid_t pid = fork();
  if (pid == 0) {
    PamFixture pam;
    std::string store = pam.dir() + "/store";
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) ||
        mount("tmpfs", store.c_str(), "tmpfs", 0, "size=512k,mode=0700") != 0) {
      _exit(10);
    }
    std::string key = pam.Enroll("alice", "phone");
    testing::CommandResult fill = testing::RunCommand(
        {"/bin/dd", "if=/dev/zero", "of=" + store + "/filler", "bs=4k", "count=1000"});
    if (fill.exit_code == 0) _exit(11);  // the disk must really be full
    AvoidStepBoundary();
    std::string code = OathtoolTotp(key, std::time(nullptr));
    if (pam.Authenticate("alice", code).result != PAM_SUCCESS) _exit(12);
    if (pam.Authenticate("alice", code).result != PAM_AUTH_ERR) _exit(13);
    // Enrolling another device fails cleanly and loses the first.
    try {
      pam.Enroll("alice", "second");
      _exit(14);
    } catch (const std::exception&) {
    }
    Result<Enrollment> left = OpenFileStore(pam.store_template()).value()->ReadDevices("alice");
    if (!left.ok() || left->devices.size() != 1) _exit(15);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

// The key shown in the enrollment text ("Key: ABCD EFGH ..."), spaces removed.
std::string ShownKey(const std::vector<std::string>& shown) {
  for (const std::string& text : shown) {
    size_t at = text.find("\nKey: ");
    if (at == std::string::npos) continue;
    std::string key;
    for (size_t i = at + 6; i < text.size() && text[i] != '\n'; ++i) {
      if (text[i] != ' ') key.push_back(text[i]);
    }
    return key;
  }
  fail_msg("no key was shown");
  return "";
}

void FirstLoginEnrollsAfterARightCodeOnly(void**) {
  PamFixture pam("enroll=first_login");
  std::vector<std::string> shown;
  std::string used;
  int asked = 0;
  AvoidStepBoundary(6);
  PamRun run = pam.AuthenticateWith(
      "daemon",
      [&](int style, const std::string& prompt) {
        assert_int_equal(style, PAM_PROMPT_ECHO_ON);
        assert_string_equal(prompt.c_str(), "Code from your app: ");
        used = OathtoolTotp(ShownKey(shown), std::time(nullptr));
        return ++asked == 1 ? Wrong(used) : used;  // a typo first, then the right code
      },
      &shown);
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(asked, 2);
  assert_true(shown[0].find("\u2588") != std::string::npos);  // the QR code drawing
  assert_true(shown[0].find("URI: otpauth://totp/") != std::string::npos);
  assert_true(LogContains(run.log, "enrolled device 'device' at first login"));
  Result<Enrollment> saved = OpenStore(pam)->ReadDevices("daemon");
  assert_true(saved.ok());
  assert_int_equal(saved->devices.size(), 1);
  // The code typed to enroll cannot log in again; the device is used from now on.
  PamRun replay = pam.Authenticate("daemon", used);
  assert_int_equal(replay.result, PAM_AUTH_ERR);
  assert_true(LogContains(replay.log, "replay refused"));
}

// A name the user database does not know gets no device, and nothing is created for it.
void FirstLoginRefusesUnknownUsersAndForwardPass(void**) {
  PamFixture pam("enroll=first_login");
  PamRun ghost =
      pam.AuthenticateWith("ghost-no-such-user", [](int, const std::string&) { return "000000"; });
  assert_int_equal(ghost.result, PAM_AUTH_ERR);
  assert_int_equal(ghost.prompts, 0);
  assert_true(LogContains(ghost.log, "first-login enrollment refused: no such user; denied"));
  assert_int_equal(access(pam.DevicesPath("ghost-no-such-user").c_str(), F_OK), -1);
  pam.SetModuleArgs("enroll=first_login forward_pass");
  PamRun both = pam.Authenticate("daemon", "000000");
  assert_int_equal(both.result, PAM_SERVICE_ERR);
  assert_true(LogContains(both.log, "enroll=first_login cannot be combined with forward_pass"));
}

void FirstLoginWithoutARightCodeSavesNothing(void**) {
  PamFixture pam("enroll=first_login");
  PamRun run = pam.AuthenticateWith("bin", [](int, const std::string&) { return "000000"; });
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 3);
  assert_true(LogContains(run.log, "no matching code in 3 tries; nothing saved"));
  assert_int_equal(access(pam.DevicesPath("bin").c_str(), F_OK), -1);
  assert_int_equal(access((pam.DevicesPath("bin") + ".state").c_str(), F_OK), -1);
}

}  // namespace
}  // namespace pamtotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pamtotp::LockoutAfterMaxFailuresRefusesEvenTheRightCode),
      cmocka_unit_test(pamtotp::HardLockoutLastsUntilUnlocked),
      cmocka_unit_test(pamtotp::AccountPhaseRefusesALockedOutUser),
      cmocka_unit_test(pamtotp::BackoffDelaysButDoesNotRefuse),
      cmocka_unit_test(pamtotp::RecoveryCodeWorksOnceAtTheSamePrompt),
      cmocka_unit_test(pamtotp::HotpTokenCountsAndResynchronises),
      cmocka_unit_test(pamtotp::HotpWindowComesFromTheModuleArguments),
      cmocka_unit_test(pamtotp::DebugLogsTheSettingsButNeverTheCode),
      cmocka_unit_test(pamtotp::ClockDriftIsDiagnosedButNeverAccepted),
      cmocka_unit_test(pamtotp::RacingLoginsWithOneCodeAdmitExactlyOne),
      cmocka_unit_test(pamtotp::FullDiskStillLogsInAndStillRefusesReplay),
      cmocka_unit_test(pamtotp::FirstLoginEnrollsAfterARightCodeOnly),
      cmocka_unit_test(pamtotp::FirstLoginWithoutARightCodeSavesNothing),
      cmocka_unit_test(pamtotp::FirstLoginRefusesUnknownUsersAndForwardPass),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
