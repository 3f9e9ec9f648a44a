// pam_totp.so loaded by the real libpam from a throwaway PAM configuration directory, with
// codes from oathtool (an independent RFC 6238 implementation).
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "tests/pam_harness.h"

using pamtotp::HashAlgorithm;
using pamtotp::testing::AvoidStepBoundary;
using pamtotp::testing::LogContains;
using pamtotp::testing::OathtoolTotp;
using pamtotp::testing::PamFixture;
using pamtotp::testing::PamRun;

namespace {

std::string CodeAt(const std::string& key, int64_t offset_seconds) {
  return OathtoolTotp(key, std::time(nullptr) + offset_seconds);
}

void RightCodeLogsInOnceAndIsThenRefused(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "My iPhone");
  AvoidStepBoundary();
  std::string code = CodeAt(key, 0);
  PamRun first = pam.Authenticate("alice", code);
  assert_int_equal(first.result, PAM_SUCCESS);
  assert_int_equal(first.prompts, 1);
  assert_string_equal(first.last_prompt.c_str(), "Verification code: ");
  assert_int_equal(first.last_style, PAM_PROMPT_ECHO_OFF);
  assert_true(LogContains(first.log,
                          "user 'alice' service 'pamtotp-test' rhost '192.0.2.7': "
                          "code accepted from device 'My iPhone'"));
  PamRun again = pam.Authenticate("alice", code);
  assert_int_equal(again.result, PAM_AUTH_ERR);
  assert_true(LogContains(again.log, "code already used on device 'My iPhone'; replay refused"));
}

void WrongCodeIsRefusedAndCounted(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = CodeAt(key, 0);
  std::string wrong = code;
  wrong[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);
  PamRun run = pam.Authenticate("alice", wrong);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "wrong code; 1 consecutive failure(s)"));
  run = pam.Authenticate("alice", wrong);
  assert_true(LogContains(run.log, "wrong code; 2 consecutive failure(s)"));
  // The right code still works after failures, and resets the count.
  assert_int_equal(pam.Authenticate("alice", code).result, PAM_SUCCESS);
  run = pam.Authenticate("alice", wrong);
  assert_true(LogContains(run.log, "wrong code; 1 consecutive failure(s)"));
}

void CodeWithSpacesIsAccepted(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = CodeAt(key, 0);
  assert_int_equal(pam.Authenticate("alice", code.substr(0, 3) + " " + code.substr(3)).result,
                   PAM_SUCCESS);
}

void WindowOneAcceptsNeighbourSteps(void**) {
  PamFixture pam;  // default window=1
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, -30)).result, PAM_SUCCESS);
  // The next step is still fresh after the previous one.
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, 30)).result, PAM_SUCCESS);
  // Now the current step is below the last used one: refused as a replay.
  PamRun run = pam.Authenticate("alice", CodeAt(key, 0));
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "replay refused"));
}

void WindowEdgesAreExact(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, -60)).result, PAM_AUTH_ERR);
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, 60)).result, PAM_AUTH_ERR);
  pam.SetModuleArgs("window=0");
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, -30)).result, PAM_AUTH_ERR);
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, 30)).result, PAM_AUTH_ERR);
  // Four failures: the module first waits out a 2-second backoff, and with window=0 the code
  // must still be current after it.
  AvoidStepBoundary(8);
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, 0)).result, PAM_SUCCESS);
  pam.SetModuleArgs("window=2");
  AvoidStepBoundary();
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, 60)).result, PAM_SUCCESS);
}

void NoDeviceIsDeniedAfterTheSamePrompt(void**) {
  PamFixture pam;
  pam.Enroll("alice", "phone");
  PamRun run = pam.Authenticate("bob", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 1);
  assert_string_equal(run.last_prompt.c_str(), "Verification code: ");
  assert_true(LogContains(run.log, "user 'bob'"));
  assert_true(LogContains(run.log, "no device enrolled; denied"));
  // Nothing is created for a user who is not enrolled.
  assert_int_equal(access(pam.DevicesPath("bob").c_str(), F_OK), -1);
  assert_int_equal(access((pam.DevicesPath("bob") + ".state").c_str(), F_OK), -1);
}

void NullokIgnoresUsersWithoutDevicesOnly(void**) {
  PamFixture pam("nullok");
  std::string key = pam.Enroll("alice", "phone");
  // Alone in the stack, PAM_IGNORE is no success: libpam denies when every module ignored.
  PamRun bob = pam.Authenticate("bob", "123456");
  assert_int_equal(bob.result, PAM_PERM_DENIED);
  assert_int_equal(bob.prompts, 0);
  assert_true(LogContains(bob.log, "no device enrolled; nullok, so this module is ignored"));
  // Stacked, the other modules decide for a user without a device.
  pam.SetModuleArgs("nullok", "auth required pam_permit.so\n");
  assert_int_equal(pam.Authenticate("bob", "123456").result, PAM_SUCCESS);
  pam.SetModuleArgs("nullok", "auth required pam_deny.so\n");
  assert_int_equal(pam.Authenticate("bob", "123456").result, PAM_AUTH_ERR);
  pam.SetModuleArgs("nullok");
  // An enrolled user is still checked: nullok is not a way around a wrong code.
  AvoidStepBoundary();
  assert_int_equal(pam.Authenticate("alice", "000000").result == PAM_SUCCESS, 0);
  assert_int_equal(pam.Authenticate("alice", CodeAt(key, 0)).result, PAM_SUCCESS);
}

void EitherOfTwoDevicesWorks(void**) {
  PamFixture pam;
  std::string phone = pam.Enroll("alice", "phone");
  std::string token = pam.Enroll("alice", "token", HashAlgorithm::kSha256, 8, 60);
  AvoidStepBoundary(3, 60);
  std::string token_code = OathtoolTotp(token, std::time(nullptr), 8, 60, "SHA256");
  PamRun run = pam.Authenticate("alice", token_code);
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(LogContains(run.log, "from device 'token'"));
  // Each device keeps its own last step: the phone's current code still works.
  AvoidStepBoundary();
  run = pam.Authenticate("alice", CodeAt(phone, 0));
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(LogContains(run.log, "from device 'phone'"));
}

void MalformedInputIsRefused(void**) {
  PamFixture pam;
  pam.Enroll("alice", "phone");
  for (const char* bad : {"", "12345", "123456789", "12345a", "１２３４５６",
                          "1234567890123456789012345678901234567890123456789012345678901234567"}) {
    PamRun run = pam.Authenticate("alice", bad);
    assert_int_equal(run.result, PAM_AUTH_ERR);
    assert_true(LogContains(run.log, "malformed code"));
  }
}

void CorruptStoreIsDeniedWithAClearMessage(void**) {
  PamFixture pam;
  pam.Enroll("alice", "phone");
  pamtotp::testing::WriteFile(pam.DevicesPath("alice"), "pam_totp-devices 9\n", 0600);
  // The devices are read after the prompt (once, under the lock), so the code is asked for.
  PamRun run = pam.Authenticate("alice", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 1);
  assert_true(LogContains(run.log, "store error, denied: " + pam.DevicesPath("alice") +
                                       ": line 1: unsupported format version '9'"));
}

void OverPermissiveStoreIsDenied(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  chmod(pam.DevicesPath("alice").c_str(), 0644);
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", CodeAt(key, 0));
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "has mode 0644, readable or writable by others; run chmod 600 " +
                                       pam.DevicesPath("alice")));
}

void SymlinkedStoreIsDenied(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  std::string real = pam.DevicesPath("alice");
  std::string moved = pam.dir() + "/elsewhere.totp";
  assert_int_equal(rename(real.c_str(), moved.c_str()), 0);
  assert_int_equal(symlink(moved.c_str(), real.c_str()), 0);
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", CodeAt(key, 0));
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "is a symlink; refusing to follow it"));
}

void HostileUserNamesAreRefusedBeforeAnyPath(void**) {
  PamFixture pam;
  for (const char* user : {"../alice", "a/b", "..", "bob\nroot", "x\x7f"}) {
    PamRun run = pam.Authenticate(user, "123456");
    assert_int_equal(run.result, PAM_AUTH_ERR);
    assert_int_equal(run.prompts, 0);
    assert_true(LogContains(run.log, "refusing the user name"));
  }
  // The newline is escaped in the log, so a name cannot forge a second log line.
  PamRun run = pam.Authenticate("bob\nroot", "123456");
  assert_true(LogContains(run.log, "user 'bob\\x0aroot'"));
}

void BadOptionFailsClosed(void**) {
  PamFixture pam("windw=2");
  PamRun run = pam.Authenticate("alice", "123456");
  assert_int_equal(run.result, PAM_SERVICE_ERR);
  assert_true(LogContains(run.log,
                          "configuration error, failing closed: module argument: "
                          "unknown setting 'windw'"));
  pam.SetModuleArgs("window=11");
  assert_int_equal(pam.Authenticate("alice", "123456").result, PAM_SERVICE_ERR);
  pam.SetModuleArgs("bogus");
  assert_int_equal(pam.Authenticate("alice", "123456").result, PAM_SERVICE_ERR);
}

void ConfigFileSettingsApplyAndArgumentsOverride(void**) {
  PamFixture pam("", "window = 0\nprompt = \"Code from your phone: \"\n");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", CodeAt(key, -30));
  assert_int_equal(run.result, PAM_AUTH_ERR);  // window=0 from the file
  assert_string_equal(run.last_prompt.c_str(), "Code from your phone: ");
  pam.SetModuleArgs("window=1 [prompt=Token code: ]");
  run = pam.Authenticate("alice", CodeAt(key, -30));
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_string_equal(run.last_prompt.c_str(), "Token code: ");
}

void MissingStoreDirectoryFailsClosedEvenWithNullok(void**) {
  PamFixture pam("nullok store=/nonexistent-pamtotp-dir/%u.totp");
  PamRun run = pam.Authenticate("alice", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "the store directory /nonexistent-pamtotp-dir does not exist"));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(RightCodeLogsInOnceAndIsThenRefused),
      cmocka_unit_test(WrongCodeIsRefusedAndCounted),
      cmocka_unit_test(CodeWithSpacesIsAccepted),
      cmocka_unit_test(WindowOneAcceptsNeighbourSteps),
      cmocka_unit_test(WindowEdgesAreExact),
      cmocka_unit_test(NoDeviceIsDeniedAfterTheSamePrompt),
      cmocka_unit_test(NullokIgnoresUsersWithoutDevicesOnly),
      cmocka_unit_test(EitherOfTwoDevicesWorks),
      cmocka_unit_test(MalformedInputIsRefused),
      cmocka_unit_test(CorruptStoreIsDeniedWithAClearMessage),
      cmocka_unit_test(OverPermissiveStoreIsDenied),
      cmocka_unit_test(SymlinkedStoreIsDenied),
      cmocka_unit_test(HostileUserNamesAreRefusedBeforeAnyPath),
      cmocka_unit_test(BadOptionFailsClosed),
      cmocka_unit_test(ConfigFileSettingsApplyAndArgumentsOverride),
      cmocka_unit_test(MissingStoreDirectoryFailsClosedEvenWithNullok),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
