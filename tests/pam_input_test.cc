// Where the code comes from (echo, try_first_pass, use_first_pass, forward_pass) and who must
// give one (exempt_group=, only_group=), through the real libpam. pam_authtok_probe.so plays the
// modules before and after pam_totp. Codes come from oathtool.
//
// Run with no argument: real NSS ("root" has primary group "root"; "nobody" has "nogroup").
// Run as "pam_input_test nss_wrapper" with libnss_wrapper preloaded (ctest does both): users
// and groups from files this program writes, for supplementary memberships.
#include <grp.h>
#include <pwd.h>
#include <security/pam_appl.h>

#include <cstdlib>
#include <ctime>

#include "tests/pam_harness.h"

using pamtotp::testing::AvoidStepBoundary;
using pamtotp::testing::LogContains;
using pamtotp::testing::OathtoolTotp;
using pamtotp::testing::PamFixture;
using pamtotp::testing::PamRun;

namespace {

constexpr char kContext[] = "user 'root' service 'pamtotp-test' rhost '192.0.2.7': ";

std::string Probe(const std::string& args) {
  return std::string("auth required ") + PAM_AUTHTOK_PROBE_SO + " " + args + "\n";
}

std::string CodeNow(const std::string& key) { return OathtoolTotp(key, std::time(nullptr)); }

std::string WrongCode(const std::string& code) {
  std::string wrong = code;
  wrong[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);
  return wrong;
}

void EchoShowsTheCodeAsItIsTyped(void**) {
  PamFixture pam("echo");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", CodeNow(key));
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 1);
  assert_int_equal(run.last_style, PAM_PROMPT_ECHO_ON);
  pam.SetModuleArgs("");
  assert_int_equal(pam.Authenticate("alice", "000000").last_style, PAM_PROMPT_ECHO_OFF);
}

void TryFirstPassTakesAnEarlierCodeWithoutAsking(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = CodeNow(key);
  pam.SetStack(Probe("set=" + code), "try_first_pass", "");
  PamRun run = pam.Authenticate("alice", "not asked");
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 0);
  // A wrong code handed on is refused, not followed by a prompt.
  pam.SetStack(Probe("set=" + WrongCode(code)), "try_first_pass", "");
  run = pam.Authenticate("alice", code);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log, "wrong code; 1 consecutive failure(s)"));
}

void TryFirstPassAsksWhenNothingWasHandedOn(void**) {
  PamFixture pam("try_first_pass");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = CodeNow(key);
  PamRun run = pam.Authenticate("alice", code);
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 1);
  assert_string_equal(run.last_prompt.c_str(), "Verification code: ");
  // An empty PAM_AUTHTOK counts as none.
  pam.SetStack(Probe("set="), "try_first_pass echo", "");
  run = pam.Authenticate("alice", WrongCode(code));
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 1);
  assert_int_equal(run.last_style, PAM_PROMPT_ECHO_ON);
}

void UseFirstPassNeverAsks(void**) {
  PamFixture pam("use_first_pass");
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  std::string code = CodeNow(key);
  PamRun run = pam.Authenticate("alice", code);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log,
                          "user 'alice' service 'pamtotp-test' rhost '192.0.2.7': "
                          "use_first_pass: no PAM_AUTHTOK from a previous module; denied"));
  pam.SetStack(Probe("set="), "use_first_pass", "");
  run = pam.Authenticate("alice", code);
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log, "use_first_pass: no PAM_AUTHTOK from a previous module"));
  pam.SetStack(Probe("set=" + code), "use_first_pass", "");
  run = pam.Authenticate("alice", "not asked");
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 0);
}

// forward_pass with `password` + a fresh code for a newly enrolled `user`, and a probe after
// pam_totp that expects `expected` as PAM_AUTHTOK.
PamRun ForwardPass(PamFixture& pam, const std::string& user, const std::string& password,
                   const std::string& expected) {
  std::string key = pam.Enroll(user, "phone");
  pam.SetStack("", "forward_pass", Probe("expect=" + expected));
  AvoidStepBoundary();
  return pam.Authenticate(user, password + CodeNow(key));
}

void ForwardPassHandsThePasswordOn(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  // echo is ignored: the answer holds a password.
  pam.SetStack("", "forward_pass echo", Probe("expect=hunter2"));
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", "hunter2" + CodeNow(key));
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 1);
  assert_string_equal(run.last_prompt.c_str(), "Password followed by verification code: ");
  assert_int_equal(run.last_style, PAM_PROMPT_ECHO_OFF);
  assert_true(LogContains(run.log, "code accepted from device 'phone'"));
  assert_true(LogContains(run.log, "authtok_probe: expect=hunter2: as expected"));
  // The probe really checks: pam_totp accepts the code, the probe refuses the password.
  run = ForwardPass(pam, "bob", "hunter2", "hunter3");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "code accepted from device 'phone'"));
  assert_true(LogContains(run.log, "authtok_probe: expect=hunter3: different"));
}

// The code's length comes from the user's devices: 8 digits for an 8-digit token, so a
// password ending in digits is still cut in the right place.
void ForwardPassCutsAsManyDigitsAsTheDevicesHave(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "token", pamtotp::HashAlgorithm::kSha1, 8);
  pam.SetStack("", "forward_pass", Probe("expect=pass12"));
  AvoidStepBoundary();
  std::string code = OathtoolTotp(key, std::time(nullptr), 8);
  PamRun run = pam.Authenticate("alice", "pass12" + code);
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(LogContains(run.log, "authtok_probe: expect=pass12: as expected"));
}

void ForwardPassSplitsByLengthNotByDigits(void**) {
  PamFixture pam;
  PamRun run = ForwardPass(pam, "alice", "pass1234", "pass1234");
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(LogContains(run.log, "authtok_probe: expect=pass1234: as expected"));
  run = ForwardPass(pam, "bob", "987654321", "987654321");
  assert_int_equal(run.result, PAM_SUCCESS);
  // Only the code typed: the password handed on is empty.
  run = ForwardPass(pam, "carol", "", "");
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_true(LogContains(run.log, "authtok_probe: expect=: as expected"));
}

void ForwardPassWithAWrongCodeIsRefused(void**) {
  PamFixture pam;
  std::string key = pam.Enroll("alice", "phone");
  pam.SetStack("", "forward_pass", Probe("expect=hunter2"));
  AvoidStepBoundary();
  PamRun run = pam.Authenticate("alice", "hunter2" + WrongCode(CodeNow(key)));
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "wrong code; 1 consecutive failure(s)"));
  assert_true(LogContains(run.log, "authtok_probe: expect=hunter2: as expected"));
  // Without the code's digits at the end, the tail is no code.
  run = pam.Authenticate("alice", "hunter2abcdef");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log, "malformed code"));
}

void ForwardPassShorterThanACodeHandsNothingOn(void**) {
  PamFixture pam;
  pam.Enroll("alice", "phone");
  pam.SetStack("", "forward_pass", Probe("expect_unset"));
  PamRun run = pam.Authenticate("alice", "12345");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_true(LogContains(run.log,
                          "forward_pass: the answer is shorter than a code; "
                          "no password handed on"));
  assert_true(LogContains(run.log, "malformed code"));
  assert_true(LogContains(run.log, "authtok_probe: expect_unset: as expected"));
}

void ForwardPassUsesAnExplicitPrompt(void**) {
  PamFixture pam;
  pam.SetStack("", "forward_pass [prompt=Password+OTP: ]", "");
  PamRun run = pam.Authenticate("alice", "hunter2123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_string_equal(run.last_prompt.c_str(), "Password+OTP: ");
}

void ExemptGroupMembersAreNotAsked(void**) {
  PamFixture pam("exempt_group=root");
  PamRun run = pam.Authenticate("root", "123456");
  assert_int_equal(run.result, PAM_PERM_DENIED);  // everything ignored: libpam denies
  assert_int_equal(run.prompts, 0);
  assert_true(
      LogContains(run.log, std::string(kContext) + "member of exempt group 'root'; not asked"));
  pam.SetModuleArgs("exempt_group=root", "auth required pam_permit.so\n");
  assert_int_equal(pam.Authenticate("root", "123456").result, PAM_SUCCESS);
  pam.SetModuleArgs("exempt_group=root", "auth required pam_deny.so\n");
  assert_int_equal(pam.Authenticate("root", "123456").result, PAM_AUTH_ERR);
  // Not a member ("nobody" is in "nogroup"): asked, and with no device denied.
  pam.SetModuleArgs("exempt_group=root", "auth required pam_permit.so\n");
  run = pam.Authenticate("nobody", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 1);
  assert_false(LogContains(run.log, "not asked"));
}

void OnlyGroupAsksMembersOnly(void**) {
  PamFixture pam("only_group=nogroup");
  PamRun run = pam.Authenticate("root", "123456");
  assert_int_equal(run.result, PAM_PERM_DENIED);
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log, std::string(kContext) + "not in group 'nogroup'; not asked"));
  // "nogroup" is the primary group of "nobody": asked.
  run = pam.Authenticate("nobody", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 1);
  pam.SetModuleArgs("only_group=root");
  std::string key = pam.Enroll("root", "phone");
  AvoidStepBoundary();
  run = pam.Authenticate("root", CodeNow(key));
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 1);
}

void ExemptGroupWinsOverOnlyGroup(void**) {
  PamFixture pam("only_group=root exempt_group=root");
  PamRun run = pam.Authenticate("root", "123456");
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log, "member of exempt group 'root'; not asked"));
  // Exempt is checked first, so the log names it.
  pam.SetModuleArgs("only_group=nogroup exempt_group=root");
  run = pam.Authenticate("root", "123456");
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log, "member of exempt group 'root'; not asked"));
  assert_false(LogContains(run.log, "not in group"));
}

void AMissingGroupFailsClosed(void**) {
  const std::string denied = std::string(kContext) +
                             "cannot tell whether a code is required, denied: group "
                             "'pamtotp-no-such-group' does not exist";
  for (const char* args : {"only_group=pamtotp-no-such-group", "exempt_group=pamtotp-no-such-group",
                           // A typo in one option fails closed even for members of the other group.
                           "exempt_group=root only_group=pamtotp-no-such-group",
                           "exempt_group=pamtotp-no-such-group only_group=nogroup"}) {
    PamFixture pam;
    pam.SetModuleArgs(args, "auth required pam_permit.so\n");
    PamRun run = pam.Authenticate("root", "123456");
    assert_int_equal(run.result, PAM_AUTH_ERR);
    assert_int_equal(run.prompts, 0);
    assert_true(LogContains(run.log, denied));
  }
}

// A user with no passwd entry is in no group: exempt_group does not exempt them, and only_group
// leaves them to the rest of the stack.
void UnknownUsersAreInNoGroup(void**) {
  PamFixture pam("only_group=root");
  PamRun run = pam.Authenticate("pamtotp-no-such-user", "123456");
  assert_int_equal(run.result, PAM_PERM_DENIED);
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log,
                          "user 'pamtotp-no-such-user' service 'pamtotp-test' rhost "
                          "'192.0.2.7': not in group 'root'; not asked"));
  pam.SetModuleArgs("only_group=root", "auth required pam_deny.so\n");
  assert_int_equal(pam.Authenticate("pamtotp-no-such-user", "123456").result, PAM_AUTH_ERR);
  pam.SetModuleArgs("exempt_group=root", "auth required pam_permit.so\n");
  run = pam.Authenticate("pamtotp-no-such-user", "123456");
  assert_int_equal(run.result, PAM_AUTH_ERR);
  assert_int_equal(run.prompts, 1);
}

// Under nss_wrapper: these users and groups exist only in the files written by WriteNssFiles.
constexpr char kNssPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "alice:x:5001:5001::/nonexistent:/bin/false\n"
    "bob:x:5002:5002::/nonexistent:/bin/false\n"
    "carol:x:5003:5100::/nonexistent:/bin/false\n"
    "dave:x:5004:5004::/nonexistent:/bin/false\n";
constexpr char kNssGroup[] =
    "root:x:0:\n"
    "alice:x:5001:\n"
    "bob:x:5002:\n"
    "dave:x:5004:\n"
    "pamtotp-2fa:x:5100:alice,dave\n"  // carol: by primary group
    "pamtotp-staff:x:5101:bob,dave\n";

void SupplementaryGroupsCount(void**) {
  PamFixture pam("exempt_group=pamtotp-staff");
  PamRun run = pam.Authenticate("bob", "123456");
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log,
                          "user 'bob' service 'pamtotp-test' rhost '192.0.2.7': "
                          "member of exempt group 'pamtotp-staff'; not asked"));
  assert_int_equal(pam.Authenticate("alice", "123456").prompts, 1);
  pam.SetModuleArgs("only_group=pamtotp-2fa");
  run = pam.Authenticate("bob", "123456");
  assert_int_equal(run.prompts, 0);
  assert_true(LogContains(run.log, "not in group 'pamtotp-2fa'; not asked"));
  assert_int_equal(pam.Authenticate("carol", "123456").prompts, 1);
  std::string key = pam.Enroll("alice", "phone");
  AvoidStepBoundary();
  run = pam.Authenticate("alice", CodeNow(key));
  assert_int_equal(run.result, PAM_SUCCESS);
  assert_int_equal(run.prompts, 1);
  // In both groups (dave), or exempt and not in only_group (bob): not asked.
  pam.SetModuleArgs("only_group=pamtotp-2fa exempt_group=pamtotp-staff");
  for (const char* user : {"dave", "bob"}) {
    run = pam.Authenticate(user, "123456");
    assert_int_equal(run.prompts, 0);
    assert_true(LogContains(run.log, "member of exempt group 'pamtotp-staff'; not asked"));
  }
  assert_int_equal(pam.Authenticate("carol", "123456").prompts, 1);
}

// Writes the files nss_wrapper reads (paths from its environment variables, set by ctest) and
// checks that it answers from them; false, with a message, if it does not.
bool WriteNssFiles() {
  const char* passwd = std::getenv("NSS_WRAPPER_PASSWD");
  const char* group = std::getenv("NSS_WRAPPER_GROUP");
  if (passwd == nullptr || group == nullptr) {
    std::cerr << "NSS_WRAPPER_PASSWD and NSS_WRAPPER_GROUP must be set (run through ctest)\n";
    return false;
  }
  pamtotp::testing::WriteFile(passwd, kNssPasswd, 0644);
  pamtotp::testing::WriteFile(group, kNssGroup, 0644);
  if (getpwnam("carol") == nullptr || getgrnam("pamtotp-staff") == nullptr) {
    std::cerr << "nss_wrapper is not answering: is libnss_wrapper.so preloaded? "
                 "(scripts/install-deps installs libnss-wrapper)\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "nss_wrapper") {
    if (!WriteNssFiles()) return 1;
    const struct CMUnitTest nss_tests[] = {
        cmocka_unit_test(SupplementaryGroupsCount),
    };
    return cmocka_run_group_tests_name("pam_input_nss", nss_tests, nullptr, nullptr);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(EchoShowsTheCodeAsItIsTyped),
      cmocka_unit_test(TryFirstPassTakesAnEarlierCodeWithoutAsking),
      cmocka_unit_test(TryFirstPassAsksWhenNothingWasHandedOn),
      cmocka_unit_test(UseFirstPassNeverAsks),
      cmocka_unit_test(ForwardPassHandsThePasswordOn),
      cmocka_unit_test(ForwardPassSplitsByLengthNotByDigits),
      cmocka_unit_test(ForwardPassCutsAsManyDigitsAsTheDevicesHave),
      cmocka_unit_test(ForwardPassWithAWrongCodeIsRefused),
      cmocka_unit_test(ForwardPassShorterThanACodeHandsNothingOn),
      cmocka_unit_test(ForwardPassUsesAnExplicitPrompt),
      cmocka_unit_test(ExemptGroupMembersAreNotAsked),
      cmocka_unit_test(OnlyGroupAsksMembersOnly),
      cmocka_unit_test(ExemptGroupWinsOverOnlyGroup),
      cmocka_unit_test(AMissingGroupFailsClosed),
      cmocka_unit_test(UnknownUsersAreInNoGroup),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
