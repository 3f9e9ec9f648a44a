// totpctl rename, verify, status and unlock, and the policy of pam_totp.conf as enroll applies
// it: the built binary against a store in a temporary directory, run as root (the test's user)
// with a configuration file of our own. Devices are put in the store through core with fixed
// keys, and codes come from oathtool, an independent implementation.
#include <pwd.h>
#include <unistd.h>

#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/recovery.h"
#include "core/store.h"
#include "core/verifier.h"
#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

constexpr char kPhoneKey[] = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
constexpr char kTabletKey[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

std::string CurrentUser() {
  struct passwd* pw = getpwuid(getuid());
  if (pw == nullptr) throw std::runtime_error("the test's uid has no passwd entry");
  return pw->pw_name;
}

class Env {
 public:
  explicit Env(const std::string& config = "") { SetConfig(config); }
  void SetConfig(const std::string& text) { WriteFile(dir_.File("pam_totp.conf"), text, 0644); }
  std::string Template() const { return dir_.path() + "/%u.totp"; }
  std::string ConfigPath() const { return dir_.File("pam_totp.conf"); }

  CommandResult Run(const std::vector<std::string>& args, const std::string& input = "") const {
    std::vector<std::string> argv = {TOTPCTL, "--config", dir_.File("pam_totp.conf"), "--store",
                                     Template()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, input);
  }

  std::unique_ptr<Store> OpenStore() const {
    Result<std::unique_ptr<Store>> store = OpenFileStore(Template());
    assert_true(store.ok());
    return std::move(store).value();
  }

  void AddDevice(const std::string& user, const std::string& name, const std::string& key,
                 const std::string& id) const {
    Result<SecretBytes> secret = Base32Decode(key);
    assert_true(secret.ok());
    Device device;
    device.id = id;
    device.name = name;
    device.secret = std::move(secret).value();
    device.created = 1700000000;
    assert_true(OpenStore()
                    ->EditDevices(user,
                                  [&](Enrollment& e) {
                                    e.devices.push_back(device.Clone());
                                    return Status::Ok();
                                  })
                    .ok());
  }

  std::vector<Device> Devices(const std::string& user) const {
    Result<Enrollment> e = OpenStore()->ReadDevices(user);
    assert_true(e.ok());
    return std::move(e->devices);
  }

  UserState State(const std::string& user) const {
    Enrollment e;
    UserState state;
    assert_true(OpenStore()->ReadState(user, e, state).ok());
    return state;
  }

 private:
  TempDir dir_;
};

std::string Now(const char* key, int64_t offset_seconds = 0) {
  return OathtoolTotp(key, std::time(nullptr) + offset_seconds);
}

// --- rename ------------------------------------------------------------------------------

void RenameKeepsKeyIdAndUsedSteps(void**) {
  Env env;
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  AvoidStepBoundary();
  const std::string code = Now(kPhoneKey);
  assert_int_equal(env.Run({"verify"}, code + "\n").exit_code, 0);

  CommandResult r = env.Run({"rename", "phone", "old phone"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "Renamed device 'phone' of " + user + " to 'old phone'.\n");
  ASSERT_STR_EQ(r.err, "");
  std::vector<Device> devices = env.Devices(user);
  assert_int_equal(devices.size(), 1);
  ASSERT_STR_EQ(devices[0].name, "old phone");
  ASSERT_STR_EQ(devices[0].id, "00000000000000a1");
  // Same key, and the step used before the rename is still used.
  CommandResult again = env.Run({"verify"}, code + "\n");
  assert_int_equal(again.exit_code, 1);
  ASSERT_STR_EQ(again.err,
                "totpctl: that code (device 'old phone') was used already; wait for the next "
                "one (1 failed attempt in a row; 19 more lock the account)\n");
}

void RenameRefusals(void**) {
  Env env;
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  env.AddDevice(user, "tablet", kTabletKey, "00000000000000a2");
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string err;
  };
  const std::string usage = "Run 'totpctl --help' for usage.\n";
  const Case cases[] = {
      {{"rename", "watch", "x"},
       1,
       "totpctl: " + user + " has no device named 'watch' (see totpctl list)\n"},
      {{"rename", "phone", "tablet"},
       1,
       "totpctl: " + user +
           " has a device named 'tablet' already; pick another name or remove that one first\n"},
      {{"rename", "phone", "phone"}, 2, "totpctl: OLD and NEW are the same name\n"},
      {{"rename", "phone"},
       2,
       "totpctl: rename needs two operands: OLD NEW (device names)\n" + usage},
      {{"rename", "a", "b", "c"},
       2,
       "totpctl: rename needs two operands: OLD NEW (device names)\n" + usage},
      {{"rename", "phone", " phone"},
       2,
       "totpctl: NEW: the device name starts or ends with a space\n" + usage},
      {{"rename", "phone", "x", "--yes"}, 2, "totpctl: --yes does not apply to rename\n" + usage},
  };
  for (const Case& c : cases) {
    CommandResult r = env.Run(c.args);
    assert_int_equal(r.exit_code, c.exit_code);
    ASSERT_STR_EQ(r.err, c.err);
    ASSERT_STR_EQ(r.out, "");
  }
  std::vector<Device> devices = env.Devices(user);
  ASSERT_STR_EQ(devices[0].name, "phone");
  ASSERT_STR_EQ(devices[1].name, "tablet");
}

// --- verify ------------------------------------------------------------------------------

void VerifyAcceptsNamesTheDeviceAndUsesTheStep(void**) {
  Env env;
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  env.AddDevice(user, "tablet", kTabletKey, "00000000000000a2");
  AvoidStepBoundary();
  const std::string code = Now(kTabletKey);
  CommandResult r = env.Run({"verify"}, code.substr(0, 3) + " " + code.substr(3) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Code accepted: it is device 'tablet''s code. It is now used and will not log "
                "in again.\n");
  ASSERT_STR_EQ(r.err, "");  // no prompt when standard input is not a terminal
  // A login with the same code is now a replay.
  Result<Outcome> login =
      VerifyInput(*env.OpenStore(), user, code, pamtotp::SystemClock(), Config{});
  assert_true(login.ok());
  assert_int_equal(login->verdict, Verdict::kReplayed);
}

void VerifyJson(void**) {
  Env env;
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  AvoidStepBoundary();
  CommandResult r = env.Run({"verify", "--json"}, Now(kPhoneKey) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "{\"user\":\"" + user +
                           "\",\"accepted\":true,\"result\":\"accepted\",\"device\":\"phone\","
                           "\"offset\":0,\"failures\":0,\"drift\":null,\"retry_at\":null}\n");
  r = env.Run({"verify", "--json"}, "000000\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "");
  ASSERT_STR_EQ(r.out, "{\"user\":\"" + user +
                           "\",\"accepted\":false,\"result\":\"wrong_code\",\"device\":null,"
                           "\"offset\":0,\"failures\":1,\"drift\":null,\"retry_at\":null}\n");
}

void VerifyTellsAboutAClockThatIsOff(void**) {
  Env env;
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  AvoidStepBoundary();
  CommandResult r = env.Run({"verify"}, Now(kPhoneKey, 5 * 30) + "\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: wrong code: it is device 'phone''s code 5 steps ahead, so that device's "
                "clock is off; turn on automatic time on it (1 failed attempt in a row; 19 more "
                "lock the account)\n");
  // One step behind is within the window: accepted, and said so.
  r = env.Run({"verify"}, Now(kPhoneKey, -30) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Code accepted: it is device 'phone''s code (1 step behind). It is now used and "
                "will not log in again.\n");
}

// verify is a login: failures count, the backoff and the lockout apply, and unlock ends it.
void VerifyCountsFailuresLocksOutAndUnlockClears(void**) {
  Env env("max_failures = 2\nlockout_time = 0\n");
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  CommandResult r = env.Run({"verify"}, "12345\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: the code has fewer than 6 digits; a code is 6 to 8 digits (1 failed "
                "attempt in a row; 1 more lock the account)\n");
  r = env.Run({"verify"}, "000000\n");
  ASSERT_STR_EQ(r.err, "totpctl: wrong code: it is no current code of " + user +
                           "'s devices (2 failed attempts in a row)\n");
  AvoidStepBoundary();
  r = env.Run({"verify"}, Now(kPhoneKey) + "\n");  // right, but locked out
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: " + user +
                           " is locked out after too many wrong codes until unlocked; root can "
                           "run totpctl unlock --user " +
                           user + "\n");
  assert_int_equal(env.State(user).failures, 2);

  r = env.Run({"status"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out.substr(r.out.find("Locked out:")),
                "Locked out:       yes, until unlocked (totpctl unlock)\n"
                "Failed attempts:  2 in a row (lockout at 2)\n"
                "Last failure:     " +
                    r.out.substr(r.out.find("Last failure:") + 18, 20) +
                    "\n"
                    "Last used:        never\n"
                    "Recovery codes:   none\n");

  r = env.Run({"unlock"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "Unlocked " + user + ": cleared 2 failed attempts.\n");
  assert_int_equal(env.State(user).failures, 0);
  r = env.Run({"verify"}, Now(kPhoneKey) + "\n");
  assert_int_equal(r.exit_code, 0);
  r = env.Run({"unlock"});
  ASSERT_STR_EQ(r.out, user + " was not locked out; cleared 0 failed attempts.\n");
}

void VerifyWithoutInputOrDevices(void**) {
  Env env;
  const std::string user = CurrentUser();
  CommandResult r = env.Run({"verify"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err, "totpctl: no code was given; type the code your app shows\n");
  r = env.Run({"verify"}, "123456\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: " + user + " has no devices enrolled (see totpctl enroll)\n");
  r = env.Run({"verify", "extra"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err,
                "totpctl: verify takes no operand 'extra'\nRun 'totpctl --help' for usage.\n");
}

// --- status ------------------------------------------------------------------------------

void StatusOfAUserWithoutDevices(void**) {
  Env env;
  const std::string user = CurrentUser();
  CommandResult r = env.Run({"status"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "User:             " + user +
                           "\n"
                           "Enrolled:         no (totpctl enroll)\n"
                           "Locked out:       no\n"
                           "Failed attempts:  0 in a row (lockout at 20)\n"
                           "Last failure:     never\n"
                           "Last used:        never\n"
                           "Recovery codes:   none\n");
  r = env.Run({"status", "--json"});
  ASSERT_STR_EQ(r.out, "{\"user\":\"" + user +
                           "\",\"enrolled\":false,\"devices\":0,\"locked\":false,"
                           "\"locked_until\":null,\"failures\":0,\"max_failures\":20,"
                           "\"last_failure\":null,\"last_used\":null,"
                           "\"recovery_codes_left\":null,\"recovery_codes_total\":null}\n");
}

void StatusCountsDevicesUseAndRecoveryCodes(void**) {
  Env env("lockout_time = 600\nmax_failures = 1\n");
  const std::string user = CurrentUser();
  env.AddDevice(user, "phone", kPhoneKey, "00000000000000a1");
  env.AddDevice(user, "tablet", kTabletKey, "00000000000000a2");
  Result<NewRecoveryCodes> codes = GenerateRecoveryCodes(4, std::time(nullptr), {10, 8, 1});
  assert_true(codes.ok());
  assert_true(env.OpenStore()
                  ->EditDevices(user,
                                [&](Enrollment& e) {
                                  e.recovery = codes->set;
                                  return Status::Ok();
                                })
                  .ok());
  AvoidStepBoundary();
  const int64_t used_at = std::time(nullptr);
  assert_int_equal(env.Run({"verify"}, Now(kPhoneKey) + "\n").exit_code, 0);
  CommandResult r = env.Run({"verify"}, std::string(codes->codes[2].view()) + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "Recovery code accepted; it is now used up (3 left).\n");
  r = env.Run({"verify"}, "000000\n");  // locks: max_failures = 1
  const int64_t failed_at = std::time(nullptr);

  r = env.Run({"status", "--json"});
  assert_int_equal(r.exit_code, 0);
  const std::string json = r.out;
  auto field = [&](const std::string& key) {
    size_t at = json.find("\"" + key + "\":") + key.size() + 3;
    return json.substr(at, json.find_first_of(",}", at) - at);
  };
  ASSERT_STR_EQ(field("enrolled"), "true");
  ASSERT_STR_EQ(field("devices"), "2");
  ASSERT_STR_EQ(field("locked"), "true");
  assert_in_range(std::stoll(field("locked_until")), failed_at - 1 + 600, failed_at + 600);
  ASSERT_STR_EQ(field("failures"), "1");
  ASSERT_STR_EQ(field("max_failures"), "1");
  assert_in_range(std::stoll(field("last_failure")), failed_at - 1, failed_at);
  assert_in_range(std::stoll(field("last_used")), used_at, failed_at);
  ASSERT_STR_EQ(field("recovery_codes_left"), "3");
  ASSERT_STR_EQ(field("recovery_codes_total"), "4");

  r = env.Run({"status"});
  const std::string text = r.out;
  assert_true(text.find("Enrolled:         yes, 2 devices\n") != std::string::npos);
  assert_true(text.find("Locked out:       yes, until 20") != std::string::npos);
  assert_true(text.find("Recovery codes:   3 of 4 left\n") != std::string::npos);
}

// --- unlock ------------------------------------------------------------------------------

void UnlockIsForRootOnly(void**) {
  // As nobody, with the system's (absent or real) configuration: refused before anything.
  CommandResult r = RunCommand(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TOTPCTL, "unlock"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_STR_EQ(r.err, "totpctl: unlock is for root only; run sudo totpctl unlock --user NAME\n");
  Env env;
  r = env.Run({"unlock"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, CurrentUser() + " has no devices enrolled; there is nothing to unlock.\n");
}

// --- policy ------------------------------------------------------------------------------

void EnrollRefusesSettingsThePolicyDisallows(void**) {
  Env env("allowed_algorithms = sha1\nallowed_digits = 6\nallowed_periods = 30\n");
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::string tail =
      " (%s in /etc/security/pam_totp.conf); change the setting or the policy\n";
  auto with = [&](const std::string& key) {
    std::string t = tail;
    t.replace(t.find("%s"), 2, key);
    return t;
  };
  const Case cases[] = {
      {{"enroll", "--no-confirm", "--algorithm", "sha256"},
       "totpctl: algorithm sha256 is not allowed here: the administrator allows sha1" +
           with("allowed_algorithms")},
      {{"enroll", "--no-confirm", "--digits", "8"},
       "totpctl: 8 digits is not allowed here: the administrator allows 6 digits" +
           with("allowed_digits")},
      {{"enroll", "--no-confirm", "--period", "60"},
       "totpctl: a period of 60 seconds is not allowed here: the administrator allows 30 "
       "seconds" +
           with("allowed_periods")},
  };
  for (const Case& c : cases) {
    CommandResult r = env.Run(c.args);
    assert_int_equal(r.exit_code, 1);
    ASSERT_STR_EQ(r.out, "");  // refused before a key is shown
    ASSERT_STR_EQ(r.err, c.err);
  }
  assert_int_equal(env.Devices(CurrentUser()).size(), 0);
  assert_int_equal(env.Run({"enroll", "--no-confirm", "--qr", "none"}).exit_code, 0);
}

void MaxDevicesBindsRootAndSelfServiceKeysDoNot(void**) {
  // Root is the administrator: allow_self_* do not apply, max_devices does.
  Env env("max_devices = 1\nallow_self_enroll = no\nallow_self_remove = no\n");
  const std::string user = CurrentUser();
  CommandResult r = env.Run({"enroll", "--no-confirm", "--qr", "none", "--name", "a"});
  assert_int_equal(r.exit_code, 0);
  r = env.Run({"enroll", "--no-confirm", "--name", "b"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: " + user +
                           " already has 1 device, the most allowed (max_devices = 1 in "
                           "/etc/security/pam_totp.conf); remove one first\n");
  r = env.Run({"remove", "--yes", "a"});
  assert_int_equal(r.exit_code, 0);
}

void CommandHelp(void**) {
  Env env;
  struct Case {
    std::string command, first_line;
  };
  const Case cases[] = {{"rename", "Usage: totpctl rename OLD NEW\n"},
                        {"verify", "Usage: totpctl verify [--json]\n"},
                        {"status", "Usage: totpctl status [--json]\n"},
                        {"unlock", "Usage: totpctl unlock --user NAME\n"}};
  for (const Case& c : cases) {
    CommandResult r = RunCommand({TOTPCTL, c.command, "--help"});
    assert_int_equal(r.exit_code, 0);
    ASSERT_STR_EQ(r.out.substr(0, c.first_line.size()), c.first_line);
    assert_true(r.out.find("Exit status:\n") != std::string::npos);
  }
}

// The bash completion: commands, option values, and device names from "totpctl list --json"
// (with the --config and --store already on the line).
void BashCompletion(void**) {
  Env env;
  env.AddDevice(CurrentUser(), "my phone", kPhoneKey, "00000000000000a1");
  env.AddDevice(CurrentUser(), "tablet", kTabletKey, "00000000000000a2");
  auto complete = [](const std::string& words) {
    return BashComplete(TOTPCTL_COMPLETION, TOTPCTL, words);
  };
  ASSERT_STR_EQ(complete("totpctl re"), "remove|rename|recovery-codes|");
  ASSERT_STR_EQ(complete("totpctl --user root st"), "status|");
  ASSERT_STR_EQ(complete("totpctl enroll --algorithm ''"), "sha1|sha256|sha512|");
  ASSERT_STR_EQ(complete("totpctl enroll --qr = a"), "ansi|");
  ASSERT_STR_EQ(complete("totpctl doctor --skip module,s"), "module,sshd|module,store|");
  ASSERT_STR_EQ(complete("totpctl verify --"), "--json|--config|--store|--user|--help|--version|");
  const std::string store = "--config '" + env.ConfigPath() + "' --store '" + env.Template() + "'";
  ASSERT_STR_EQ(complete("totpctl " + store + " rename ''"), "my phone|tablet|");
  ASSERT_STR_EQ(complete("totpctl " + store + " remove t"), "tablet|");
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(RenameKeepsKeyIdAndUsedSteps),
      cmocka_unit_test(RenameRefusals),
      cmocka_unit_test(VerifyAcceptsNamesTheDeviceAndUsesTheStep),
      cmocka_unit_test(VerifyJson),
      cmocka_unit_test(VerifyTellsAboutAClockThatIsOff),
      cmocka_unit_test(VerifyCountsFailuresLocksOutAndUnlockClears),
      cmocka_unit_test(VerifyWithoutInputOrDevices),
      cmocka_unit_test(StatusOfAUserWithoutDevices),
      cmocka_unit_test(StatusCountsDevicesUseAndRecoveryCodes),
      cmocka_unit_test(UnlockIsForRootOnly),
      cmocka_unit_test(EnrollRefusesSettingsThePolicyDisallows),
      cmocka_unit_test(MaxDevicesBindsRootAndSelfServiceKeysDoNot),
      cmocka_unit_test(CommandHelp),
      cmocka_unit_test(BashCompletion),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
