// totpctl migrate: the built binary copies users from a file store into the configured store
// (named with --store, or in a --config file) and back, and core reads both sides: devices,
// recovery set and login state must match field by field, and codes used before the copy
// (computed by oathtool, an independent implementation) must be refused after it. Also:
// listing the users of a template's directory, a user enrolled in the target left alone,
// --dry-run, the refusal for non-root callers and usage errors. Migrate needs root; run as
// anyone else, only the refusal is checked and the rest is skipped with a note.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
constexpr char kFobKey[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
constexpr char kPhoneId[] = "00000000000000a1";
constexpr char kFobId[] = "00000000000000b2";
constexpr uint64_t kFobCounter = 40;  // the counter the fob shows next when enrolled
constexpr char kUsageHint[] = "Run 'totpctl --help' for usage.\n";

void SkipUnlessRoot() {
  if (getuid() == 0) return;
  print_message("note: skipped, totpctl migrate needs root\n");
  skip();
}

std::string Hotp(const char* key, uint64_t counter) {
  CommandResult r =
      RunCommand({OATHTOOL, "--hotp", "-b", "--counter=" + std::to_string(counter), key});
  if (r.exit_code != 0) throw std::runtime_error("oathtool failed: " + r.err);
  return r.out.substr(0, r.out.find('\n'));
}

Device MakeDevice(const char* id, const std::string& name, const char* key) {
  Result<SecretBytes> secret = Base32Decode(key);
  assert_true(secret.ok());
  Device device;
  device.id = id;
  device.name = name;
  device.secret = std::move(secret).value();
  device.created = 1700000000;
  return device;
}

struct Snapshot {
  Enrollment enrollment;
  UserState state;
};

// Stores in one temporary directory, each "<dir>/<name>/%u.totp" (src, dst and back exist, and
// are empty), and an empty configuration.
class Env {
 public:
  Env() {
    WriteFile(Config(), "", 0644);
    for (const char* store : {"src", "dst", "back"}) {
      if (mkdir(Dir(store).c_str(), 0700) != 0) throw std::runtime_error("mkdir failed");
    }
  }
  std::string Config() const { return dir_.File("empty.conf"); }
  std::string Dir(const std::string& store) const { return dir_.File(store); }
  std::string Template(const std::string& store, const std::string& file = "%u.totp") const {
    return Dir(store) + "/" + file;
  }
  std::string File(const std::string& store, const std::string& user) const {
    return Dir(store) + "/" + user + ".totp";
  }
  // A configuration file whose store is `store`.
  std::string ConfigFor(const std::string& store) const {
    std::string path = dir_.File(store + ".conf");
    WriteFile(path, "store = " + Template(store) + "\n", 0644);
    return path;
  }

  // totpctl with the empty configuration and the configured store `store`.
  CommandResult Run(const std::string& store, const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {TOTPCTL, "--config", Config(), "--store", Template(store)};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  // The names in the directory of `store`, sorted and joined with '|'.
  std::string Files(const std::string& store) const {
    CommandResult r = RunCommand({"/bin/ls", "-A", Dir(store)});
    assert_int_equal(r.exit_code, 0);
    std::replace(r.out.begin(), r.out.end(), '\n', '|');
    return r.out;
  }

  std::unique_ptr<Store> Open(const std::string& path_template) const {
    Result<std::unique_ptr<Store>> store = OpenFileStore(path_template);
    assert_true(store.ok());
    return std::move(store).value();
  }

  void AddDevice(const std::string& path_template, const std::string& user,
                 const Device& device) const {
    Status s = Open(path_template)->EditDevices(user, [&](Enrollment& e) {
      e.devices.push_back(device.Clone());
      return Status::Ok();
    });
    assert_true(s.ok());
  }

  Snapshot Read(const std::string& path_template, const std::string& user) const {
    Snapshot snapshot;
    Status s = Open(path_template)->ReadState(user, snapshot.enrollment, snapshot.state);
    if (!s.ok()) print_error("%s\n", s.message().c_str());
    assert_true(s.ok());
    return snapshot;
  }

 private:
  TempDir dir_;
};

void AssertSameEnrollment(const Enrollment& a, const Enrollment& b) {
  assert_int_equal(a.devices.size(), b.devices.size());
  for (size_t i = 0; i < a.devices.size(); ++i) {
    const Device& x = a.devices[i];
    const Device& y = b.devices[i];
    ASSERT_STR_EQ(x.id, y.id);
    ASSERT_STR_EQ(x.name, y.name);
    assert_true(x.secret.view() == y.secret.view());
    assert_int_equal(static_cast<int>(x.algorithm), static_cast<int>(y.algorithm));
    assert_int_equal(x.digits, y.digits);
    assert_int_equal(x.period, y.period);
    assert_int_equal(x.created, y.created);
    assert_int_equal(static_cast<int>(x.type), static_cast<int>(y.type));
    assert_int_equal(x.counter, y.counter);
  }
  assert_int_equal(a.recovery.has_value(), b.recovery.has_value());
  if (!a.recovery) return;
  ASSERT_STR_EQ(a.recovery->id, b.recovery->id);
  assert_int_equal(a.recovery->created, b.recovery->created);
  assert_int_equal(a.recovery->params.log2_n, b.recovery->params.log2_n);
  assert_int_equal(a.recovery->params.r, b.recovery->params.r);
  assert_int_equal(a.recovery->params.p, b.recovery->params.p);
  assert_true(a.recovery->salt == b.recovery->salt);
  assert_true(a.recovery->hashes == b.recovery->hashes);
}

void AssertSameState(const UserState& a, const UserState& b) {
  assert_int_equal(a.devices.size(), b.devices.size());
  for (size_t i = 0; i < a.devices.size(); ++i) {
    ASSERT_STR_EQ(a.devices[i].id, b.devices[i].id);
    assert_int_equal(a.devices[i].last_step, b.devices[i].last_step);
    assert_int_equal(a.devices[i].last_used, b.devices[i].last_used);
  }
  assert_int_equal(a.failures, b.failures);
  assert_int_equal(a.last_failure, b.last_failure);
  ASSERT_STR_EQ(a.recovery_id, b.recovery_id);
  assert_int_equal(a.recovery_used, b.recovery_used);
  assert_int_equal(a.resync.has_value(), b.resync.has_value());
  if (!a.resync) return;
  ASSERT_STR_EQ(a.resync->device_id, b.resync->device_id);
  assert_int_equal(a.resync->counter, b.resync->counter);
  assert_int_equal(a.resync->seen, b.resync->seen);
}

Verdict Check(Store& store, const std::string& user, const std::string& input, int64_t now) {
  Result<Outcome> outcome = VerifyInput(store, user, input, Clock{now, 0}, pamtotp::Config{});
  assert_true(outcome.ok());
  return outcome->verdict;
}

// --- copying ----------------------------------------------------------------------------

// alice at `path_template`, with every part of the login state set: a TOTP step and an HOTP
// counter used, a recovery code spent, a failed attempt, and a resync under way. Returns the
// spent recovery code.
std::string EnrollAndUseAlice(const Env& env, const std::string& path_template, int64_t now) {
  Device phone = MakeDevice(kPhoneId, "phone", kPhoneKey);
  phone.algorithm = HashAlgorithm::kSha256;
  phone.digits = 8;
  Device fob = MakeDevice(kFobId, "fob", kFobKey);
  fob.type = OtpType::kHotp;
  fob.counter = kFobCounter;
  Result<NewRecoveryCodes> recovery = GenerateRecoveryCodes(4, now);
  assert_true(recovery.ok());
  std::unique_ptr<Store> store = env.Open(path_template);
  assert_true(store
                  ->EditDevices("alice",
                                [&](Enrollment& e) {
                                  e.devices.push_back(phone.Clone());
                                  e.devices.push_back(fob.Clone());
                                  e.recovery = recovery->set;
                                  return Status::Ok();
                                })
                  .ok());
  std::string recovery_code(recovery->codes[1].view());
  const std::string phone_code = OathtoolTotp(kPhoneKey, now, 8, 30, "SHA256");
  assert_int_equal(Check(*store, "alice", phone_code, now), Verdict::kAccepted);
  assert_int_equal(Check(*store, "alice", Hotp(kFobKey, kFobCounter + 2), now), Verdict::kAccepted);
  assert_int_equal(Check(*store, "alice", recovery_code, now), Verdict::kRecoveryAccepted);
  assert_int_equal(Check(*store, "alice", "00000000", now), Verdict::kWrongCode);
  assert_true(store
                  ->UpdateState("alice",
                                [&](const Enrollment&, UserState& state) {
                                  state.resync = PendingResync{kFobId, kFobCounter + 60, now};
                                  return Status::Ok();
                                })
                  .ok());
  return recovery_code;
}

void FilesIntoTheConfiguredStoreAndBack(void**) {
  SkipUnlessRoot();
  Env env;
  AvoidStepBoundary(10);
  const int64_t now = std::time(nullptr);
  const std::string spent = EnrollAndUseAlice(env, env.Template("src"), now);
  const Snapshot source = env.Read(env.Template("src"), "alice");
  // The state to copy is not a default one, so a copy that dropped any part would differ.
  assert_int_equal(source.state.devices.size(), 2);
  assert_int_equal(source.state.failures, 1);
  assert_int_not_equal(source.state.recovery_used, 0);
  assert_true(source.state.resync.has_value());
  const std::string devices_file = ReadFile(env.File("src", "alice"));
  const std::string state_file = ReadFile(env.File("src", "alice") + ".state");

  // Into the store named with --store.
  CommandResult r = env.Run("dst", {"migrate", "--from", env.Template("src"), "alice"});
  ASSERT_STR_EQ(r.err, "");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "alice: 2 devices, recovery codes, login state copied to " +
                           env.File("dst", "alice") + "\n");
  Snapshot copy = env.Read(env.Template("dst"), "alice");
  AssertSameEnrollment(source.enrollment, copy.enrollment);
  AssertSameState(source.state, copy.state);
  // The source is not changed, not even rewritten.
  ASSERT_STR_EQ(ReadFile(env.File("src", "alice")), devices_file);
  ASSERT_STR_EQ(ReadFile(env.File("src", "alice") + ".state"), state_file);

  // And back, from the store a --config file names, into new files.
  r = RunCommand({TOTPCTL, "--config", env.ConfigFor("dst"), "migrate", "--to",
                  env.Template("back"), "alice"});
  ASSERT_STR_EQ(r.err, "");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "alice: 2 devices, recovery codes, login state copied to " +
                           env.File("back", "alice") + "\n");
  Snapshot back = env.Read(env.Template("back"), "alice");
  AssertSameEnrollment(source.enrollment, back.enrollment);
  AssertSameState(source.state, back.state);

  // What was used before the copy stays used after it; the fob goes on from its counter.
  std::unique_ptr<Store> dst = env.Open(env.Template("dst"));
  assert_int_equal(Check(*dst, "alice", OathtoolTotp(kPhoneKey, now, 8, 30, "SHA256"), now),
                   Verdict::kReplayed);
  assert_int_equal(Check(*dst, "alice", Hotp(kFobKey, kFobCounter + 2), now), Verdict::kReplayed);
  std::unique_ptr<Store> round_trip = env.Open(env.Template("back"));
  assert_int_equal(Check(*round_trip, "alice", spent, now), Verdict::kReplayed);
  assert_int_equal(Check(*round_trip, "alice", Hotp(kFobKey, kFobCounter + 3), now),
                   Verdict::kAccepted);
}

void ListsTheUsersOfTheTemplateDirectory(void**) {
  SkipUnlessRoot();
  Env env;
  const std::string source = env.Template("src", "u-%u.totp");
  env.AddDevice(source, "bob", MakeDevice(kPhoneId, "phone", kPhoneKey));
  env.AddDevice(source, "alice", MakeDevice(kFobId, "fob", kFobKey));
  // Not users of the template: another template's file, a temporary file, an empty name, and
  // a name no user can have.
  WriteFile(env.Dir("src") + "/carol.totp", "x");
  WriteFile(env.Dir("src") + "/u-dave.totp.tmp.0123456789abcdef", "x");
  WriteFile(env.Dir("src") + "/u-.totp", "x");
  WriteFile(env.Dir("src") + "/u-\x01.totp", "x");

  CommandResult r = env.Run("dst", {"migrate", "--from", source});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "alice: 1 device, login state copied to " + env.File("dst", "alice") +
                           "\nbob: 1 device, login state copied to " + env.File("dst", "bob") +
                           "\n2 of 2 users copied; 0 not enrolled; 0 failed.\n");
  ASSERT_STR_EQ(r.err, "totpctl: skipping a file in " + env.Dir("src") +
                           " that names no user: the user name contains a control character\n");
  ASSERT_STR_EQ(env.Files("dst"), "alice.totp|alice.totp.state|bob.totp|bob.totp.state|");
  ASSERT_STR_EQ(env.Read(env.Template("dst"), "alice").enrollment.devices.at(0).id, kFobId);
  ASSERT_STR_EQ(env.Read(env.Template("dst"), "bob").enrollment.devices.at(0).id, kPhoneId);

  // A temporary file can match a template whose suffix is hex digits.
  env.AddDevice(env.Template("hex", "%uf"), "alice", MakeDevice(kPhoneId, "phone", kPhoneKey));
  WriteFile(env.Dir("hex") + "/alicef.tmp.0123456789abcdef", "x");
  r = env.Run("back", {"migrate", "--from", env.Template("hex", "%uf")});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "alice: 1 device, login state copied to " + env.File("back", "alice") + "\n");
  ASSERT_STR_EQ(r.err, "");

  // --to lists a configured file store the same way.
  assert_int_equal(mkdir(env.Dir("other").c_str(), 0700), 0);
  r = env.Run("dst", {"migrate", "--to", env.Template("other"), "--dry-run"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "alice: 1 device, login state would be copied to " +
                           env.File("other", "alice") + "\nbob: 1 device, login state would be " +
                           "copied to " + env.File("other", "bob") +
                           "\n2 of 2 users would be copied; 0 not enrolled; 0 failed.\n");
}

void LeavesAUserEnrolledInTheTargetAlone(void**) {
  SkipUnlessRoot();
  Env env;
  env.AddDevice(env.Template("src"), "alice", MakeDevice(kPhoneId, "phone", kPhoneKey));
  env.AddDevice(env.Template("src"), "bob", MakeDevice(kPhoneId, "phone", kPhoneKey));
  env.AddDevice(env.Template("dst"), "alice", MakeDevice(kFobId, "tablet", kFobKey));
  const std::string devices_file = ReadFile(env.File("dst", "alice"));
  const std::string state_file = ReadFile(env.File("dst", "alice") + ".state");

  CommandResult r = env.Run("dst", {"migrate", "--from", env.Template("src"), "alice", "bob"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: alice: already enrolled in the target (" +
                           env.File("dst", "alice") + "); remove the devices there first\n");
  ASSERT_STR_EQ(r.out, "bob: 1 device, login state copied to " + env.File("dst", "bob") +
                           "\n1 of 2 users copied; 0 not enrolled; 1 failed.\n");
  ASSERT_STR_EQ(ReadFile(env.File("dst", "alice")), devices_file);
  ASSERT_STR_EQ(ReadFile(env.File("dst", "alice") + ".state"), state_file);

  // A user with nothing to copy is reported, and is no failure.
  r = env.Run("dst", {"migrate", "--from", env.Template("src"), "carol"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "carol: not enrolled in " + env.File("src", "carol") + "; nothing to copy\n");
  ASSERT_STR_EQ(r.err, "");
}

void DryRunWritesNothing(void**) {
  SkipUnlessRoot();
  Env env;
  env.AddDevice(env.Template("src"), "alice", MakeDevice(kPhoneId, "phone", kPhoneKey));
  CommandResult r =
      env.Run("dst", {"migrate", "--dry-run", "--from", env.Template("src"), "alice"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(
      r.out, "alice: 1 device, login state would be copied to " + env.File("dst", "alice") + "\n");
  ASSERT_STR_EQ(r.err, "");
  ASSERT_STR_EQ(env.Files("dst"), "");

  // It reports what a copy would refuse.
  env.AddDevice(env.Template("dst"), "alice", MakeDevice(kFobId, "tablet", kFobKey));
  r = env.Run("dst", {"migrate", "--dry-run", "--from", env.Template("src"), "alice"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err, "totpctl: alice: already enrolled in the target (" +
                           env.File("dst", "alice") + "); remove the devices there first\n");
}

// --- refusals ---------------------------------------------------------------------------

void RefusedToAnyoneButRoot(void**) {
  std::vector<std::string> argv = {TOTPCTL, "migrate", "--from", "/var/lib/pam_totp/%u.totp"};
  if (getuid() == 0) {
    argv.insert(argv.begin(),
                {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  }
  CommandResult r = RunCommand(argv);
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err,
                "totpctl: migrate is for root only (it reads every user's secrets); run it "
                "with sudo\n");
}

void UsageErrors(void**) {
  SkipUnlessRoot();
  Env env;
  const std::string src = env.Template("src");
  const std::string ldap_config = env.Dir("ldap.conf");
  WriteFile(ldap_config, "store = ldap\n", 0644);
  // Each case runs with the empty configuration and --store DST, unless it names a config.
  struct Case {
    std::vector<std::string> args;
    std::string err;
    bool usage_hint = false;  // a parsing error: the hint to run --help follows
  };
  const Case cases[] = {
      {{"migrate"},
       "migrate needs --from TEMPLATE (files into the configured store) or --to TEMPLATE (the "
       "configured store into files)\n",
       true},
      {{"migrate", "--from", "var/%u.totp"},
       "--from: store path must be absolute (start with '/')\n",
       true},
      {{"migrate", "--to", "/var/lib/pam_totp/alice.totp", "alice"},
       "--to: store path must contain %u (one file per user)\n",
       true},
      {{"migrate", "--from", "ldap"},
       "--from takes a file store's path template; the directory is the configured store "
       "(store = ldap in pam_totp.conf)\n",
       true},
      {{"migrate", "--from", src, "--to", env.Template("back")},
       "give --from or --to, not both: migrate copies one way\n",
       true},
      {{"migrate", "--from", src, "--user", "alice"},
       "--user does not apply to migrate; name the users to copy after the options\n",
       true},
      {{"migrate", "--from", src, "--yes"}, "--yes does not apply to migrate\n", true},
      {{"migrate", "--from", src, "al/ice"}, "USER: the user name contains '/'\n", true},
      {{"migrate", "--from", src, "alice", "alice"}, "the user alice is named twice\n", true},
      // Found once the configuration is read.
      {{"migrate", "--from", env.Dir("src") + "/%u/devices"},
       "cannot list the users of " + env.Dir("src") +
           "/%u/devices: %u must be in the file name, once (as in /var/lib/pam_totp/%u.totp); "
           "name the users\n"},
      {{"migrate", "--from", "~/.pam_totp"},
       "cannot list the users of ~/.pam_totp: each user's files are in their own home "
       "directory; name the users\n"},
      {{"migrate", "--from", env.Template("dst")},
       "the configured store is " + env.Template("dst") +
           " itself; name the other store with --store or --config\n"},
      {{"--config", ldap_config, "migrate", "--to", env.Template("back")},
       "name the users to copy: the configured store cannot be listed\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {TOTPCTL};
    if (c.args.front() != "--config") {
      argv.insert(argv.end(), {"--config", env.Config(), "--store", env.Template("dst")});
    }
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    CommandResult r = RunCommand(argv);
    ASSERT_STR_EQ(r.err, "totpctl: " + c.err + (c.usage_hint ? kUsageHint : ""));
    assert_int_equal(r.exit_code, 2);
    ASSERT_STR_EQ(r.out, "");
  }
  ASSERT_STR_EQ(env.Files("dst"), "");
  ASSERT_STR_EQ(env.Files("back"), "");
}

void HelpAndCompletion(void**) {
  CommandResult r = RunCommand({TOTPCTL, "migrate", "--help"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "Usage: totpctl migrate --from TEMPLATE [--dry-run] [USER...]\n");
  ASSERT_CONTAINS(r.out, "Exit status:\n");
  r = RunCommand({TOTPCTL, "--help"});
  ASSERT_CONTAINS(r.out, "\n  migrate  copy users between a file store and the configured store");

  auto complete = [](const std::string& words) {
    return BashComplete(TOTPCTL_COMPLETION, TOTPCTL, words);
  };
  ASSERT_STR_EQ(complete("totpctl mi"), "migrate|");
  ASSERT_STR_EQ(complete("totpctl migrate --d"), "--dry-run|");
  ASSERT_STR_EQ(complete("totpctl migrate --from ''"), "|");  // a template: nothing to offer
  ASSERT_STR_EQ(complete("totpctl migrate --from /x/%u.totp roo"), "root|");
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(FilesIntoTheConfiguredStoreAndBack),
      cmocka_unit_test(ListsTheUsersOfTheTemplateDirectory),
      cmocka_unit_test(LeavesAUserEnrolledInTheTargetAlone),
      cmocka_unit_test(DryRunWritesNothing),
      cmocka_unit_test(RefusedToAnyoneButRoot),
      cmocka_unit_test(UsageErrors),
      cmocka_unit_test(HelpAndCompletion),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
