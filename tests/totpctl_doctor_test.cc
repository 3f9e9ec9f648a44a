// totpctl doctor against a fake system in a temporary directory (--root), with sshd's settings
// from a file (--sshd-config) and the clock check skipped (it asks the real system). Each test
// starts from a healthy layout and breaks one thing; the report is compared line by line.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

void MakeDirs(const std::string& path, mode_t mode = 0755) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string part = path.substr(0, slash);
    mkdir(part.c_str(), mode);
    if (slash == std::string::npos) break;
  }
}

class FakeSystem {
 public:
  FakeSystem() {
    MakeDirs(R("/lib/security"));
    WriteFile(R("/lib/security/pam_unix.so"), "", 0644);
    WriteFile(R("/lib/security/pam_totp.so"), "", 0644);
    MakeDirs(R("/etc/pam.d"));
    WriteFile(R("/etc/pam.d/sshd"), "# sshd\n@include common-auth\naccount required pam_unix.so\n",
              0644);
    WriteFile(R("/etc/pam.d/common-auth"),
              "auth [success=1 default=ignore] pam_unix.so nullok # the password\n"
              "auth requisite pam_deny.so\n"
              "auth required pam_totp.so window=2 \\\n"
              "    [prompt=One-time code:]\n",
              0644);
    WriteFile(R("/etc/pam.d/login"), "auth required pam_unix.so\n", 0644);
    MakeDirs(R("/etc/security"));
    WriteFile(R("/etc/security/pam_totp.conf"), "issuer = Test\n", 0644);
    MakeDirs(R("/var/lib/pam_totp"));
    chmod(R("/var/lib/pam_totp").c_str(), 0700);
    WriteFile(R("/var/lib/pam_totp/alice.totp"), "pam_totp-devices 1\n", 0600);
    WriteFile(R("/var/lib/pam_totp/alice.totp.state"), "", 0600);
    const std::string helper = HELPER_INSTALL_PATH;
    MakeDirs(R(helper.substr(0, helper.rfind('/'))));
    WriteFile(R(helper), "", 0755);
    chmod(R(helper).c_str(), 04755);
    SetSshd(
        "port 22\nusepam yes\nkbdinteractiveauthentication yes\n"
        "authenticationmethods publickey,keyboard-interactive\n");
  }

  std::string R(const std::string& path) const { return dir_.path() + "/root" + path; }
  std::string Root() const { return dir_.path() + "/root"; }
  void SetSshd(const std::string& text) { WriteFile(dir_.File("sshd-T.txt"), text, 0644); }

  CommandResult Doctor(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> argv = {TOTPCTL, "doctor",        "--root",
                                     Root(),  "--sshd-config", dir_.File("sshd-T.txt")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    // The clock is the real system's: skipped unless the test chooses what to skip.
    if (std::find(extra.begin(), extra.end(), "--skip") == extra.end()) {
      argv.insert(argv.end(), {"--skip", "clock"});
    }
    return RunCommand(argv);
  }

  // The report with the fake root written as "R".
  std::string Report(const std::vector<std::string>& extra = {}) const {
    std::string out = Doctor(extra).out;
    for (size_t at; (at = out.find(Root())) != std::string::npos;)
      out.replace(at, Root().size(), "R");
    return out;
  }

 private:
  TempDir dir_;
};

const std::string kHelper = HELPER_INSTALL_PATH;

std::string Healthy(const std::string& store_line =
                        "ok    store   R/var/lib/pam_totp: owned by root, mode 0700, 2 files "
                        "checked\n") {
  return "ok    module  R/lib/security/pam_totp.so: where PAM loads modules from, owned by root, "
         "mode 0644\n"
         "ok    pam     R/etc/pam.d/common-auth line 3: auth required pam_totp.so window=2 "
         "prompt=One-time code:\n"
         "ok    sshd    UsePAM yes\n"
         "ok    sshd    KbdInteractiveAuthentication yes\n"
         "ok    sshd    AuthenticationMethods publickey,keyboard-interactive: every login asks "
         "for the code\n"
         "ok    config  R/etc/security/pam_totp.conf is valid\n" +
         store_line + "ok    helper  R" + kHelper + " is setuid root (mode 4755)\n";
}

bool RunningAsRoot() {
  if (geteuid() == 0) return true;
  print_message("doctor tests build root-owned files; run them as root\n");
  return false;
}

void HealthyLayoutPasses(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  CommandResult r = sys.Doctor();
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err, "");
  ASSERT_STR_EQ(sys.Report(), Healthy() + "\n0 problems, 0 warnings.\n");
}

void MissingModuleFails(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  unlink(sys.R("/lib/security/pam_totp.so").c_str());
  CommandResult r = sys.Doctor({"--skip", "pam,sshd,config,store,helper,clock"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(sys.Report({"--skip", "pam,sshd,config,store,helper,clock"}),
                "FAIL  module  R/lib/security/pam_totp.so is missing: PAM loads modules from "
                "R/lib/security. Fix: install pam_totp (cmake --install BUILD, or the package)\n"
                "\n1 problem, 0 warnings.\n");
}

void ModuleWritableByOthersFails(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  chmod(sys.R("/lib/security/pam_totp.so").c_str(), 0666);
  assert_int_equal(sys.Doctor().exit_code, 1);
  ASSERT_STR_EQ(sys.Report({"--skip", "pam,sshd,config,store,helper,clock"}),
                "FAIL  module  R/lib/security/pam_totp.so has mode 0666: writable by group or "
                "others, who could then change every login. Fix: chmod 644 "
                "R/lib/security/pam_totp.so\n\n1 problem, 0 warnings.\n");
}

void WorldWritableStoreDirectoryFails(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  chmod(sys.R("/var/lib/pam_totp").c_str(), 0777);
  assert_int_equal(sys.Doctor().exit_code, 1);
  ASSERT_STR_EQ(sys.Report(), Healthy("FAIL  store   R/var/lib/pam_totp has mode 0777, writable "
                                      "by others. Fix: chmod 700 R/var/lib/pam_totp\n") +
                                  "\n1 problem, 0 warnings.\n");
}

void StoreFileReadableByOthersFails(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  chmod(sys.R("/var/lib/pam_totp/alice.totp").c_str(), 0644);
  ASSERT_STR_EQ(sys.Report({"--skip", "module,pam,sshd,config,helper,clock"}),
                "FAIL  store   R/var/lib/pam_totp/alice.totp has mode 0644, readable or writable "
                "by others. Fix: chmod 600 R/var/lib/pam_totp/alice.totp\n"
                "\n1 problem, 0 warnings.\n");
  unlink(sys.R("/var/lib/pam_totp/alice.totp").c_str());
  unlink(sys.R("/var/lib/pam_totp/alice.totp.state").c_str());
  rmdir(sys.R("/var/lib/pam_totp").c_str());
  ASSERT_STR_EQ(sys.Report({"--skip", "module,pam,sshd,config,helper,clock"}),
                "FAIL  store   the store directory R/var/lib/pam_totp does not exist. Fix: "
                "mkdir -m 700 R/var/lib/pam_totp (as root)\n\n1 problem, 0 warnings.\n");
}

// A writer killed between creating and renaming its temporary file leaves it behind
// (fault_test's kill -9 rounds leave dozens): logins ignore it, doctor asks for it to go.
void LeftoverTemporaryFilesWarn(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  const std::vector<std::string> only_store = {"--skip", "module,pam,sshd,config,helper,clock"};
  // Not leftovers: a name that only looks like one, and a user whose name ends in ".tmp".
  WriteFile(sys.R("/var/lib/pam_totp/bob.tmp.totp"), "pam_totp-devices 1\n", 0600);
  WriteFile(sys.R("/var/lib/pam_totp/carol.totp.tmp.0123456789ABCDEF"), "x", 0600);
  ASSERT_STR_EQ(sys.Report(only_store),
                "ok    store   R/var/lib/pam_totp: owned by root, mode 0700, 4 files checked\n"
                "\n0 problems, 0 warnings.\n");
  WriteFile(sys.R("/var/lib/pam_totp/alice.totp.tmp.9f0e1d2c3b4a5968"), "secret", 0600);
  WriteFile(sys.R("/var/lib/pam_totp/alice.totp.tmp.0123456789abcdef"), "secret", 0600);
  CommandResult r = sys.Doctor(only_store);
  assert_int_equal(r.exit_code, 0);  // a warning, not a problem
  ASSERT_STR_EQ(sys.Report(only_store),
                "warn  store   2 temporary files left in R/var/lib/pam_totp by interrupted writes "
                "(first: alice.totp.tmp.0123456789abcdef); logins ignore them, but they may hold "
                "secrets of removed devices. Fix: while no totpctl runs, rm "
                "R/var/lib/pam_totp/*.tmp.*\n"
                "\n0 problems, 1 warning.\n");
}

void SshdWithoutKeyboardInteractiveFails(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  const std::vector<std::string> only_sshd = {"--skip", "module,pam,config,store,helper,clock"};
  sys.SetSshd("usepam yes\nauthenticationmethods any\n");
  CommandResult r = sys.Doctor(only_sshd);
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(sys.Report(only_sshd),
                "ok    sshd    UsePAM yes\n"
                "FAIL  sshd    KbdInteractiveAuthentication is not yes: sshd cannot show the "
                "code prompt. Fix: set KbdInteractiveAuthentication yes in /etc/ssh/sshd_config "
                "and reload sshd\n"
                "warn  sshd    AuthenticationMethods is any: a login with a key alone does not "
                "go through PAM's auth stack, so no code is asked. Fix: set "
                "AuthenticationMethods publickey,keyboard-interactive (a key, then the code) or "
                "keyboard-interactive (password and code through PAM) in /etc/ssh/sshd_config\n"
                "\n1 problem, 1 warning.\n");
  // Older sshd spell it ChallengeResponseAuthentication; a method list without the code warns.
  sys.SetSshd(
      "usepam no\nchallengeresponseauthentication yes\n"
      "authenticationmethods publickey,keyboard-interactive publickey\n");
  ASSERT_STR_EQ(sys.Report(only_sshd),
                "FAIL  sshd    UsePAM is not yes: sshd never asks pam_totp. Fix: set UsePAM yes "
                "in /etc/ssh/sshd_config and reload sshd\n"
                "ok    sshd    KbdInteractiveAuthentication yes\n"
                "warn  sshd    AuthenticationMethods publickey,keyboard-interactive publickey "
                "lets some logins through without keyboard-interactive, and so without a code. "
                "Fix: set AuthenticationMethods publickey,keyboard-interactive (a key, then the "
                "code) or keyboard-interactive (password and code through PAM) in "
                "/etc/ssh/sshd_config\n\n1 problem, 1 warning.\n");
  // sshd's PAM service without pam_totp: sshd's settings do not matter.
  WriteFile(sys.R("/etc/pam.d/sshd"), "auth required pam_unix.so\n", 0644);
  ASSERT_STR_EQ(sys.Report(only_sshd),
                "ok    sshd    R/etc/pam.d/sshd does not use pam_totp.so\n\n0 problems, 0 "
                "warnings.\n");
}

// On a fresh install sshd has never run, so /run/sshd is missing and sshd -T refuses to print
// anything. That is no fault in the configuration: doctor warns instead of failing. The run
// happens in a private mount namespace with an empty /run, whatever this machine's sshd did.
void SshdNeverStartedWarns(void**) {
  if (!RunningAsRoot()) skip();
  struct stat st {};
  if (stat("/usr/sbin/sshd", &st) != 0 || stat("/usr/bin/unshare", &st) != 0 ||
      RunCommand({"/usr/bin/unshare", "-m", "/bin/true"}).exit_code != 0) {
    print_message("needs /usr/sbin/sshd and a mount namespace (unshare -m)\n");
    skip();
  }
  FakeSystem sys;
  const std::string script = "mount -t tmpfs -o mode=0755 pam_totp_test /run && exec \"$@\"";
  CommandResult r =
      RunCommand({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script, "sh", TOTPCTL, "doctor",
                  "--root", sys.Root(), "--skip", "module,pam,config,store,helper,clock"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "warn  sshd    sshd -T cannot run while its privilege separation directory "
                "/run/sshd is missing (sshd has not run since boot), so sshd's settings were not "
                "checked. Fix: start sshd, or run mkdir -m 755 /run/sshd, then run totpctl "
                "doctor again\n\n0 problems, 1 warning.\n");
}

void ServiceFileMistakes(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  const std::vector<std::string> only_pam = {"--skip", "module,sshd,config,store,helper,clock"};
  WriteFile(sys.R("/etc/pam.d/common-auth"),
            "auth optional pam_totp.so window=99\n"
            "-auth sufficient /lib/security/pam_totp.so nullok\n"
            "session required pam_totp.so\n"
            "auth required pam_totp.so bogus\n",
            0644);
  CommandResult r = sys.Doctor(only_pam);
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(
      sys.Report(only_pam),
      "FAIL  pam     R/etc/pam.d/common-auth line 1: with 'optional', a wrong code does not "
      "stop the login. Fix: use required\n"
      "FAIL  pam     R/etc/pam.d/common-auth line 1: module argument: window: must be a whole "
      "number from 0 to 10. Fix: correct it (see pam_totp(8)); until then pam_totp denies every "
      "login here\n"
      "warn  pam     R/etc/pam.d/common-auth line 2: '-auth' skips the line without a word if "
      "pam_totp.so cannot be loaded, and then no code is asked. Fix: remove the '-' before "
      "auth\n"
      "warn  pam     R/etc/pam.d/common-auth line 2: with 'sufficient', a right code alone logs "
      "in and the modules after it (often the password) are skipped. Fix: use required, unless "
      "that is what you want\n"
      "warn  pam     R/etc/pam.d/common-auth line 2: nullok lets users without a device log in "
      "without a code. Fix: remove nullok once everyone is enrolled (totpctl status --user "
      "NAME)\n"
      "warn  pam     R/etc/pam.d/common-auth line 3: pam_totp.so does nothing in 'session'. "
      "Fix: remove the line\n"
      "FAIL  pam     R/etc/pam.d/common-auth line 4: module argument: unknown option 'bogus'. "
      "Fix: correct it (see pam_totp(8)); until then pam_totp denies every login here\n"
      "\n3 problems, 4 warnings.\n");
  // A policy key is for the file only, not a module argument.
  WriteFile(sys.R("/etc/pam.d/common-auth"), "auth required pam_totp.so max_devices=3\n", 0644);
  ASSERT_STR_EQ(sys.Report(only_pam),
                "FAIL  pam     R/etc/pam.d/common-auth line 1: module argument: unknown setting "
                "'max_devices'. Fix: correct it (see pam_totp(8)); until then pam_totp denies "
                "every login here\n\n1 problem, 0 warnings.\n");
  for (const char* name : {"common-auth", "sshd", "login"})
    unlink(sys.R("/etc/pam.d/" + std::string(name)).c_str());
  ASSERT_STR_EQ(sys.Report(only_pam),
                "warn  pam     no service in R/etc/pam.d uses pam_totp.so. Fix: add 'auth "
                "required pam_totp.so' to the services that should ask for a code (see "
                "pam_totp(8))\n\n0 problems, 1 warning.\n");
}

void BrokenConfigFails(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  WriteFile(sys.R("/etc/security/pam_totp.conf"), "allow_self_enroll = maybe\n", 0644);
  const std::vector<std::string> only = {"--skip", "module,pam,sshd,store,helper,clock"};
  assert_int_equal(sys.Doctor(only).exit_code, 1);
  ASSERT_STR_EQ(sys.Report(only),
                "FAIL  config  R/etc/security/pam_totp.conf line 1: allow_self_enroll: must be "
                "yes or no. Fix: correct R/etc/security/pam_totp.conf (see pam_totp.conf(5)); "
                "until then pam_totp denies every login\n\n1 problem, 0 warnings.\n");
}

void HelperMissingOrNotSetuid(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  const std::vector<std::string> only = {"--skip", "module,pam,sshd,config,store,clock"};
  chmod(sys.R(kHelper).c_str(), 0755);
  ASSERT_STR_EQ(sys.Report(only), "warn  helper  R" + kHelper +
                                      " is not setuid: users cannot change their own devices. "
                                      "Fix: chmod 4755 R" +
                                      kHelper + "\n\n0 problems, 1 warning.\n");
  chmod(sys.R(kHelper).c_str(), 04777);
  ASSERT_STR_EQ(sys.Report(only), "FAIL  helper  R" + kHelper +
                                      " has mode 4777: writable by group or others, who could "
                                      "then run anything as root. Fix: chmod 4755 R" +
                                      kHelper + "\n\n1 problem, 0 warnings.\n");
  unlink(sys.R(kHelper).c_str());
  WriteFile(sys.R("/etc/security/pam_totp.conf"),
            "allow_self_enroll = no\nallow_self_remove = no\n", 0644);
  ASSERT_STR_EQ(sys.Report(only), "ok    helper  R" + kHelper +
                                      " is not installed, and users may not change their "
                                      "devices\n\n0 problems, 0 warnings.\n");
}

void JsonReport(void**) {
  if (!RunningAsRoot()) skip();
  FakeSystem sys;
  unlink(sys.R("/lib/security/pam_totp.so").c_str());
  CommandResult r = sys.Doctor({"--json", "--skip", "pam,sshd,config,store,helper"});
  assert_int_equal(r.exit_code, 1);
  const std::string head =
      "{\"ok\":false,\"checks\":[{\"check\":\"module\",\"status\":\"fail\",\"message\":\"" +
      sys.R("/lib/security/pam_totp.so") + " is missing: PAM loads modules from " +
      sys.R("/lib/security") +
      "\",\"fix\":\"install pam_totp (cmake --install BUILD, or the package)\"},"
      "{\"check\":\"clock\",";
  ASSERT_STR_EQ(r.out.substr(0, head.size()), head);
  assert_true(r.out.ends_with("}]}\n"));
}

void UsageErrors(void**) {
  CommandResult r = RunCommand({TOTPCTL, "doctor", "--skip", "module,bogus"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err,
                "totpctl: --skip: unknown check 'bogus'; the checks are module, pam, sshd, "
                "config, store, helper and clock\nRun 'totpctl --help' for usage.\n");
  r = RunCommand({TOTPCTL, "doctor", "--root", "relative"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err, "totpctl: --root needs an absolute path\nRun 'totpctl --help' for usage.\n");
  r = RunCommand({TOTPCTL, "list", "--root", "/x"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err, "totpctl: --root does not apply to list\nRun 'totpctl --help' for usage.\n");
  r = RunCommand({TOTPCTL, "doctor", "--help"});
  assert_int_equal(r.exit_code, 0);
  assert_true(r.out.starts_with("Usage: totpctl doctor [--json]"));
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(HealthyLayoutPasses),
      cmocka_unit_test(MissingModuleFails),
      cmocka_unit_test(ModuleWritableByOthersFails),
      cmocka_unit_test(WorldWritableStoreDirectoryFails),
      cmocka_unit_test(StoreFileReadableByOthersFails),
      cmocka_unit_test(LeftoverTemporaryFilesWarn),
      cmocka_unit_test(SshdWithoutKeyboardInteractiveFails),
      cmocka_unit_test(SshdNeverStartedWarns),
      cmocka_unit_test(ServiceFileMistakes),
      cmocka_unit_test(BrokenConfigFails),
      cmocka_unit_test(HelperMissingOrNotSetuid),
      cmocka_unit_test(JsonReport),
      cmocka_unit_test(UsageErrors),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
