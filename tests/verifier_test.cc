// The login decision, with codes from oathtool (an independent implementation) and a fixed
// `now`, so no test sleeps or depends on the wall clock. Keys are fixed, so every run compares
// the same codes. Recovery sets use scrypt N = 2^10 to stay fast.
#include "core/verifier.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/otp.h"
#include "core/recovery.h"
#include "tests/test_support.h"

namespace pamtotp {
namespace {

constexpr int64_t kNow = 1750000015;  // step 58333333 of 30 s (from kNow - 25), of 60 s: 29166666
constexpr uint64_t kStep = kNow / 30;
constexpr std::string_view kPhoneKey = "12345678901234567890";
constexpr std::string_view kTabletKey = "abcdefghijklmnopqrst";
constexpr std::string_view kFobKey = "ABCDEFGHIJKLMNOPQRST";

void ExpectOk(const Status& s) {
  if (!s.ok()) fail_msg("%s", s.message().c_str());
}

void ExpectRefused(std::string_view input, const char* message) {
  Result<SecretBytes> r = NormalizeCode(input);
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(r.status().message().c_str(), message);
}

void ExpectNormalized(std::string_view input, std::string_view want) {
  Result<SecretBytes> r = NormalizeCode(input);
  if (!r.ok()) fail_msg("%s", r.status().message().c_str());
  assert_true(r->view() == want);
}

Device MakeDevice(const std::string& id, const std::string& name, std::string_view key,
                  HashAlgorithm algorithm = HashAlgorithm::kSha1, int digits = 6, int period = 30) {
  return Device{id, name, SecretBytes::FromString(key), algorithm, digits, period, 1700000000};
}

Device MakeHotp(const std::string& id, const std::string& name, std::string_view key,
                uint64_t counter = 0) {
  Device d = MakeDevice(id, name, key);
  d.type = OtpType::kHotp;
  d.counter = counter;
  return d;
}

std::string Base32Key(const Device& device) {
  return std::string(Base32Encode(device.secret.bytes()).view());
}

SecretBytes Normalized(const std::string& text) {
  Result<SecretBytes> code = NormalizeCode(text);
  if (!code.ok()) fail_msg("oathtool gave '%s'", text.c_str());
  return std::move(code).value();
}

// The code oathtool computes for TOTP `device` at unix time `at`.
SecretBytes CodeAt(const Device& device, int64_t at) {
  return Normalized(testing::OathtoolTotp(Base32Key(device), at, device.digits, device.period,
                                          std::string(AlgorithmName(device.algorithm))));
}

// The code oathtool computes for HOTP `device` at `counter`.
SecretBytes HotpCode(const Device& device, uint64_t counter) {
  testing::CommandResult r = testing::RunCommand(
      {OATHTOOL, "--hotp", "--base32", "--digits=" + std::to_string(device.digits),
       "--counter=" + std::to_string(counter), Base32Key(device)});
  if (r.exit_code != 0) fail_msg("oathtool: %s", r.err.c_str());
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return Normalized(r.out);
}

// `right` with its last digit changed: a code no step near now produces (checked by callers
// through the expected verdict and drift).
SecretBytes Wrong(const SecretBytes& right) {
  SecretBytes wrong = right.Clone();
  uint8_t& last = wrong.data()[wrong.size() - 1];
  last = static_cast<uint8_t>('0' + (last - '0' + 1) % 10);
  return wrong;
}

Config WithWindow(int window) {
  Config config;
  config.window = window;
  return config;
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store = Open();
  Device phone = MakeDevice("0123456789abcdef", "Phone", kPhoneKey);
  Device tablet = MakeDevice("fedcba9876543210", "Tablet", kTabletKey);
  Device fob = MakeHotp("00000000000000f0", "Fob", kFobKey);
  Config config = WithWindow(1);

  std::unique_ptr<Store> Open() const {
    Result<std::unique_ptr<Store>> s = OpenFileStore(dir.File("%u.totp"));
    assert_true(s.ok());
    return std::move(s).value();
  }
  void Enroll(const Device& device, const std::string& user = "alice") {
    ExpectOk(store->EditDevices(user, [&](Enrollment& e) {
      e.devices.push_back(device.Clone());
      return Status::Ok();
    }));
  }
  void SetRecovery(const RecoverySet& set, const std::string& user = "alice") {
    ExpectOk(store->EditDevices(user, [&](Enrollment& e) {
      e.recovery = set;
      return Status::Ok();
    }));
  }
  Outcome Verify(std::string_view input, int64_t now = kNow, const std::string& user = "alice") {
    Result<Outcome> outcome = VerifyInput(*store, user, input, Clock{now, 0}, config);
    if (!outcome.ok()) fail_msg("%s", outcome.status().message().c_str());
    return *outcome;
  }
  Outcome Verify(const SecretBytes& code, int64_t now = kNow, const std::string& user = "alice") {
    return Verify(code.view(), now, user);
  }
  // At `now` on a system that booted at `boot`.
  Outcome VerifyBooted(const SecretBytes& code, int64_t now, int64_t boot) {
    Result<Outcome> outcome = VerifyInput(*store, "alice", code.view(), Clock{now, boot}, config);
    if (!outcome.ok()) fail_msg("%s", outcome.status().message().c_str());
    return *outcome;
  }
  UserState State(const std::string& user = "alice") {
    Enrollment enrollment;
    UserState state;
    ExpectOk(store->ReadState(user, enrollment, state));
    return state;
  }
};

void ExpectOutcome(const Outcome& o, Verdict verdict, const char* device, int64_t offset,
                   uint32_t failures, std::optional<int64_t> drift = std::nullopt) {
  assert_int_equal(static_cast<int>(o.verdict), static_cast<int>(verdict));
  assert_string_equal(o.device_name.c_str(), device);
  assert_int_equal(o.offset, offset);
  assert_int_equal(o.failures, failures);
  assert_int_equal(o.drift.has_value(), drift.has_value());
  if (drift) assert_int_equal(*o.drift, *drift);
}

void ExpectHeldBack(const Outcome& o, Verdict verdict, int64_t retry_at, uint32_t failures) {
  ExpectOutcome(o, verdict, "", 0, failures);
  assert_int_equal(o.retry_at, retry_at);
}

void NormalizeCodeAcceptsDigitsAndSpaces(void**) {
  ExpectNormalized("123456", "123456");
  ExpectNormalized("123 456", "123456");
  ExpectNormalized(" 1 2 3 4 5 6 7 ", "1234567");
  ExpectNormalized("12345678", "12345678");
  ExpectNormalized("000000", "000000");
  ExpectNormalized(std::string(kMaxCodeInput - 6, ' ') + "654321", "654321");
}

void NormalizeCodeRefusesEverythingElse(void**) {
  ExpectRefused("12345", "the code has fewer than 6 digits");
  ExpectRefused("", "the code has fewer than 6 digits");
  ExpectRefused("      ", "the code has fewer than 6 digits");
  ExpectRefused("123456789", "the code has more than 8 digits");
  ExpectRefused("12345a", "the code must be digits only");
  ExpectRefused("123-456", "the code must be digits only");
  ExpectRefused("123\t456", "the code must be digits only");
  ExpectRefused("123456\n", "the code must be digits only");
  ExpectRefused("-123456", "the code must be digits only");
  ExpectRefused("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",
                "the code must be digits only");  // fullwidth digits
  ExpectRefused("\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6",
                "the code must be digits only");  // Arabic-Indic digits
  ExpectRefused(std::string_view("123\0"
                                 "456",
                                 7),
                "the code must be digits only");
  ExpectRefused(std::string_view("123456\0", 7), "the code must be digits only");
  ExpectRefused(std::string(kMaxCodeInput - 6, ' ') + "6543210", "the code is too long");
  ExpectRefused(std::string(kMaxCodeInput + 1, '1'), "the code is too long");
}

void AcceptsTheCurrentCode(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  UserState state = f.State();
  assert_non_null(state.Find(f.phone.id));
  assert_int_equal(state.Find(f.phone.id)->last_step, kStep);
  assert_int_equal(state.Find(f.phone.id)->last_used, kNow);
}

void SameCodeTwiceIsReplayed(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes code = CodeAt(f.phone, kNow);
  ExpectOutcome(f.Verify(code, kNow - 20), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOutcome(f.Verify(code, kNow - 20), Verdict::kReplayed, "Phone", 0, 1);
  ExpectOutcome(f.Verify(code, kNow - 10), Verdict::kReplayed, "Phone", 0, 2);
  ExpectOutcome(f.Verify(code, kNow), Verdict::kReplayed, "Phone", 0, 3);
  ExpectOutcome(f.Verify(code, kNow + 5), Verdict::kReplayed, "Phone", -1, 4);  // next step
  // From a second Store object, as a second login would see it.
  Result<Outcome> other =
      VerifyInput(*f.Open(), "alice", code.view(), Clock{kNow + 7, 0}, f.config);
  assert_true(other.ok());
  ExpectOutcome(*other, Verdict::kReplayed, "Phone", -1, 5);
}

void OlderCodeAfterNewerIsReplayed(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30)), Verdict::kReplayed, "Phone", -1, 1);
  // The next step is still fresh.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30)), Verdict::kAccepted, "Phone", 1, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow), kNow + 30), Verdict::kReplayed, "Phone", -1, 1);
}

void WindowOneAcceptsOneStepEitherSide(void**) {
  Fixture f;
  for (const char* user : {"alice", "bob", "carol", "dave"}) f.Enroll(f.phone, user);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30), kNow, "alice"), Verdict::kAccepted, "Phone",
                -1, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30), kNow, "bob"), Verdict::kAccepted, "Phone", 1,
                0);
  // Two steps off is outside the window; the drift diagnosis names the device and the distance.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 60), kNow, "carol"), Verdict::kWrongCode, "Phone",
                0, 1, -2);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 60), kNow, "dave"), Verdict::kWrongCode, "Phone", 0,
                1, 2);
  // The step boundaries: kNow - 25 is the first second of the current step.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 34), kNow - 25, "carol"), Verdict::kAccepted,
                "Phone", 1, 0);
}

void WindowZeroAcceptsOnlyTheCurrentStep(void**) {
  Fixture f;
  f.config = WithWindow(0);
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30)), Verdict::kWrongCode, "Phone", 0, 1, -1);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30)), Verdict::kWrongCode, "Phone", 0, 2, 1);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
}

void WindowThreeAcceptsThreeStepsEitherSide(void**) {
  Fixture f;
  f.config = WithWindow(3);
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 120)), Verdict::kWrongCode, "Phone", 0, 1, 4);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 90)), Verdict::kAccepted, "Phone", -3, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 90)), Verdict::kAccepted, "Phone", 3, 0);
}

void FailuresCountUntilASuccess(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes right = CodeAt(f.phone, kNow);
  SecretBytes wrong = Wrong(right);
  for (uint32_t n = 1; n <= 3; ++n) {
    ExpectOutcome(f.Verify(wrong, kNow + n), Verdict::kWrongCode, "", 0, n);
  }
  UserState state = f.State();
  assert_int_equal(state.failures, 3);
  assert_int_equal(state.last_failure, kNow + 3);
  ExpectOutcome(f.Verify(right, kNow + 4), Verdict::kAccepted, "Phone", 0, 0);
  assert_int_equal(f.State().failures, 0);
}

void NoDevicesIsItsOwnVerdictAndCreatesNothing(void**) {
  Fixture f;
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kNoDevices, "", 0, 0);
  ExpectOutcome(f.Verify(Wrong(CodeAt(f.phone, kNow))), Verdict::kNoDevices, "", 0, 0);
  ExpectOutcome(f.Verify("not a code"), Verdict::kNoDevices, "", 0, 0);
  ExpectOutcome(f.Verify("abcd-efgh-ijkl"), Verdict::kNoDevices, "", 0, 0);
  assert_true(std::filesystem::is_empty(f.dir.path()));
}

void EachDeviceHasItsOwnLastStep(void**) {
  Fixture f;
  f.Enroll(f.phone);
  f.Enroll(f.tablet);
  ExpectOutcome(f.Verify(CodeAt(f.tablet, kNow)), Verdict::kAccepted, "Tablet", 0, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOutcome(f.Verify(CodeAt(f.tablet, kNow)), Verdict::kReplayed, "Tablet", 0, 1);
  UserState state = f.State();
  assert_int_equal(state.devices.size(), 2);
  assert_int_equal(state.Find(f.phone.id)->last_step, kStep);
  assert_int_equal(state.Find(f.tablet.id)->last_step, kStep);
  // A code one device already used is refused, but the other device's next step is fresh.
  ExpectOutcome(f.Verify(CodeAt(f.tablet, kNow + 30)), Verdict::kAccepted, "Tablet", 1, 0);
  assert_int_equal(f.State().Find(f.phone.id)->last_step, kStep);
}

void OtherAlgorithmsDigitsAndPeriodsWork(void**) {
  struct Case {
    HashAlgorithm algorithm;
    int digits;
    int period;
    std::string_view key;
  };
  constexpr Case kCases[] = {
      {HashAlgorithm::kSha256, 8, 60, "12345678901234567890123456789012"},
      {HashAlgorithm::kSha512, 7, 30,
       "1234567890123456789012345678901234567890123456789012345678901234"},
      {HashAlgorithm::kSha1, 8, 45, "12345678901234567890"},
  };
  for (const Case& c : kCases) {
    Fixture f;
    Device d = MakeDevice("00000000000000aa", "Token", c.key, c.algorithm, c.digits, c.period);
    f.Enroll(d);
    SecretBytes code = CodeAt(d, kNow);
    assert_int_equal(code.size(), static_cast<size_t>(c.digits));
    // The last six digits alone are not the code.
    SecretBytes tail = SecretBytes::FromString(code.view().substr(code.size() - 6));
    ExpectOutcome(f.Verify(tail), Verdict::kWrongCode, "", 0, 1);
    ExpectOutcome(f.Verify(code), Verdict::kAccepted, "Token", 0, 0);
    assert_int_equal(f.State().Find(d.id)->last_step, kNow / c.period);
    ExpectOutcome(f.Verify(CodeAt(d, kNow - c.period)), Verdict::kReplayed, "Token", -1, 1);
    ExpectOutcome(f.Verify(CodeAt(d, kNow + c.period)), Verdict::kAccepted, "Token", 1, 0);
  }
}

// Input that is neither a code nor a recovery code counts as a failure, for enrolled users only.
void MalformedInputCountsAsAFailure(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  Outcome letters = f.Verify("12345a", kNow + 1);
  ExpectOutcome(letters, Verdict::kMalformed, "", 0, 1);
  assert_string_equal(letters.detail.c_str(), "the code must be digits only");
  Outcome short_code = f.Verify("12345", kNow + 2);
  ExpectOutcome(short_code, Verdict::kMalformed, "", 0, 2);
  assert_string_equal(short_code.detail.c_str(), "the code has fewer than 6 digits");
  UserState state = f.State();
  assert_int_equal(state.failures, 2);
  assert_int_equal(state.last_failure, kNow + 2);
  assert_int_equal(state.Find(f.phone.id)->last_step, kStep);  // untouched
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30), kNow + 3), Verdict::kReplayed, "Phone", -1, 3);
  ExpectOutcome(f.Verify("12345a", kNow, "bob"), Verdict::kNoDevices, "", 0, 0);
  assert_false(std::filesystem::exists(f.dir.File("bob.totp")));
  assert_false(std::filesystem::exists(f.dir.File("bob.totp.state")));
  assert_false(VerifyInput(*f.store, "../bob", "12345a", Clock{kNow, 0}, f.config).ok());
}

void StoreErrorsFailClosed(void**) {
  Fixture f;
  SecretBytes code = CodeAt(f.phone, kNow);
  testing::WriteFile(f.dir.File("alice.totp"), "pam_totp-devices 1\ngarbage\n", 0600);
  assert_false(VerifyInput(*f.store, "alice", code.view(), Clock{kNow, 0}, f.config).ok());
  assert_false(VerifyInput(*f.store, "../alice", code.view(), Clock{kNow, 0}, f.config).ok());
  Fixture g;
  g.Enroll(g.phone);
  Result<Outcome> before_1970 = VerifyInput(*g.store, "alice", code.view(), Clock{-1, 0}, g.config);
  assert_false(before_1970.ok());
  assert_string_equal(before_1970.status().message().c_str(), "the clock is before 1970");
}

// Several logins racing with the same code: the store serialises them, so exactly one wins.
// The losers are replays until the backoff starts, then throttled without being counted.
void ConcurrentLoginsWithOneCodeAcceptItOnce(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes code = CodeAt(f.phone, kNow);
  constexpr int kProcesses = 6;
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      int exit_code = 1;
      try {
        Result<std::unique_ptr<Store>> store = OpenFileStore(f.dir.File("%u.totp"));
        Result<Outcome> o =
            store.ok() ? VerifyInput(**store, "alice", code.view(), Clock{kNow, 0}, f.config)
                       : Result<Outcome>(store.status());
        if (o.ok() && o->verdict == Verdict::kAccepted) exit_code = 0;
        if (o.ok() && o->verdict == Verdict::kReplayed) exit_code = 10;
        if (o.ok() && o->verdict == Verdict::kThrottled) exit_code = 11;
      } catch (...) {
      }
      _exit(exit_code);
    }
    children.push_back(pid);
  }
  int accepted = 0, replayed = 0, throttled = 0;
  for (pid_t pid : children) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) ++accepted;
    if (WEXITSTATUS(status) == 10) ++replayed;
    if (WEXITSTATUS(status) == 11) ++throttled;
  }
  assert_int_equal(accepted, 1);
  assert_int_equal(replayed, static_cast<int>(kBackoffAfter));
  assert_int_equal(throttled, kProcesses - 1 - static_cast<int>(kBackoffAfter));
  assert_int_equal(f.State().failures, kBackoffAfter);
}

// --- Lockout and backoff ----------------------------------------------------------------------

void BackoffDoublesUpToAMinute(void**) {
  const int64_t want[] = {0,  0,  0,  1,  2,  4,  8,  16, 32, 60, 60,
                          60, 60, 60, 60, 60, 60, 60, 60, 60, 60};
  for (uint32_t failures = 0; failures <= 20; ++failures) {
    assert_int_equal(BackoffSeconds(failures), want[failures]);
  }
  assert_int_equal(BackoffSeconds(UINT32_MAX), kMaxBackoff);
}

void BackoffThrottlesWithoutCounting(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes right = CodeAt(f.phone, kNow);
  SecretBytes wrong = Wrong(right);
  for (uint32_t n = 1; n <= kBackoffAfter; ++n) {
    ExpectOutcome(f.Verify(wrong, kNow - 10), Verdict::kWrongCode, "", 0, n);  // no backoff yet
  }
  // 0 s later: not checked, not counted, even the right code.
  ExpectHeldBack(f.Verify(wrong, kNow - 10), Verdict::kThrottled, kNow - 9, 3);
  ExpectHeldBack(f.Verify(right, kNow - 10), Verdict::kThrottled, kNow - 9, 3);
  assert_int_equal(f.State().failures, 3);
  assert_int_equal(f.State().last_failure, kNow - 10);
  assert_null(f.State().Find(f.phone.id));  // the right code was not used up
  // 1 s later it is checked; the fourth failure doubles the wait.
  ExpectOutcome(f.Verify(wrong, kNow - 9), Verdict::kWrongCode, "", 0, 4);
  ExpectHeldBack(f.Verify(right, kNow - 8), Verdict::kThrottled, kNow - 7, 4);
  ExpectOutcome(f.Verify(right, kNow - 7), Verdict::kAccepted, "Phone", 0, 0);
}

// Regression: with fewer than kBackoffAfter failures the "backoff" of 0 s still refused every
// attempt made before the last failure's time, so a clock stepped back (or before 1970) made
// even the right code "throttled" until the clock caught up.
void FewFailuresNeverThrottle(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes wrong = Wrong(CodeAt(f.phone, kNow));
  ExpectOutcome(f.Verify(wrong, kNow + 3600), Verdict::kWrongCode, "", 0, 1);
  ExpectOutcome(f.Verify(wrong, kNow + 3600), Verdict::kWrongCode, "", 0, 2);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow), kNow), Verdict::kAccepted, "Phone", 0, 0);
}

// Five wrong codes, spaced past the backoff, so each is checked and counted.
void FailFiveTimes(Fixture& f, int64_t from) {
  SecretBytes wrong = Wrong(CodeAt(f.phone, kNow));
  const int64_t at[] = {from, from, from, from + 1, from + 3};
  for (uint32_t n = 0; n < 5; ++n) {
    ExpectOutcome(f.Verify(wrong, at[n]), Verdict::kWrongCode, "", 0, n + 1);
  }
}

void LockoutAfterMaxFailuresUntilLockoutTime(void**) {
  Fixture f;
  f.config.max_failures = 5;
  f.config.lockout_time = 900;
  f.Enroll(f.phone);
  FailFiveTimes(f, kNow - 10);  // the last failure at kNow - 7
  const int64_t until = kNow - 7 + 900;
  ExpectHeldBack(f.Verify(CodeAt(f.phone, kNow - 6), kNow - 6), Verdict::kLocked, until, 5);
  ExpectHeldBack(f.Verify(CodeAt(f.phone, until - 1), until - 1), Verdict::kLocked, until, 5);
  UserState state = f.State();
  assert_int_equal(state.failures, 5);
  assert_int_equal(state.last_failure, kNow - 7);
  // Once the lockout has run out the input is checked; a wrong code locks again at once.
  SecretBytes wrong = Wrong(CodeAt(f.phone, until));
  ExpectOutcome(f.Verify(wrong, until), Verdict::kWrongCode, "", 0, 6);
  ExpectHeldBack(f.Verify(CodeAt(f.phone, until + 1), until + 1), Verdict::kLocked, until + 900, 6);
  ExpectOutcome(f.Verify(CodeAt(f.phone, until + 900), until + 900), Verdict::kAccepted, "Phone", 0,
                0);
  assert_int_equal(f.State().failures, 0);
  // The count starts again from zero: one failure is far from a lockout.
  ExpectOutcome(f.Verify(wrong, until + 901), Verdict::kWrongCode, "", 0, 1);
}

void LockoutTimeZeroLastsUntilUnlock(void**) {
  Fixture f;
  f.config.max_failures = 5;
  f.config.lockout_time = 0;
  f.Enroll(f.phone);
  FailFiveTimes(f, kNow - 10);
  const int64_t later = kNow + 30 * 24 * 3600;
  ExpectHeldBack(f.Verify(CodeAt(f.phone, later), later), Verdict::kLocked, 0, 5);
  ExpectHeldBack(f.Verify("garbage", later), Verdict::kLocked, 0, 5);
  ExpectOk(ResetFailures(*f.store, "alice"));
  UserState state = f.State();
  assert_int_equal(state.failures, 0);
  assert_int_equal(state.last_failure, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, later), later), Verdict::kAccepted, "Phone", 0, 0);
}

void ResetFailuresEndsTheBackoffAndCreatesNothingForOthers(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes wrong = Wrong(CodeAt(f.phone, kNow));
  for (uint32_t n = 1; n <= 4; ++n) f.Verify(wrong, kNow - 10);
  assert_int_equal(f.State().failures, kBackoffAfter);  // the fourth was throttled
  ExpectOk(ResetFailures(*f.store, "alice"));
  assert_int_equal(f.State().failures, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow), kNow - 10), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOk(ResetFailures(*f.store, "bob"));
  assert_false(std::filesystem::exists(f.dir.File("bob.totp.state")));
  assert_false(ResetFailures(*f.store, "../bob").ok());
}

// --- HOTP -------------------------------------------------------------------------------------

void HotpAcceptsCodesWithinTheWindowOnce(void**) {
  Fixture f;
  f.config.hotp_window = 5;
  f.Enroll(f.fob);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 4)), Verdict::kAccepted, "Fob", 4, 0);  // next 0: 0-4
  assert_int_equal(f.State().Find(f.fob.id)->last_step, 4);
  assert_int_equal(f.State().Find(f.fob.id)->last_used, kNow);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 4)), Verdict::kReplayed, "Fob", -1, 1);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 2)), Verdict::kReplayed, "Fob", -3, 2);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 5)), Verdict::kAccepted, "Fob", 0, 0);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 10)), Verdict::kAccepted, "Fob", 4, 0);  // next 6: 6-10
  // HOTP codes do not depend on the time.
  ExpectOutcome(f.Verify(HotpCode(f.fob, 11), kNow + 86400), Verdict::kAccepted, "Fob", 0, 0);
  // One past the window is not accepted; a resync is offered instead.
  ExpectOutcome(f.Verify(HotpCode(f.fob, 17), kNow + 86400), Verdict::kResyncNeeded, "Fob", 5, 1);
  assert_int_equal(f.State().Find(f.fob.id)->last_step, 11);
}

void HotpStartsAtTheDevicesCounter(void**) {
  Fixture f;
  Device fob = MakeHotp("00000000000000f1", "Fob", kFobKey, 1000);
  f.Enroll(fob);
  f.Enroll(fob, "bob");
  // Below the first counter: never shown by this token, so not a replay either.
  ExpectOutcome(f.Verify(HotpCode(fob, 999)), Verdict::kWrongCode, "", 0, 1);
  ExpectOutcome(f.Verify(HotpCode(fob, 0)), Verdict::kWrongCode, "", 0, 2);
  ExpectOutcome(f.Verify(HotpCode(fob, 1000)), Verdict::kAccepted, "Fob", 0, 0);
  ExpectOutcome(f.Verify(HotpCode(fob, 1000)), Verdict::kReplayed, "Fob", -1, 1);
  ExpectOutcome(f.Verify(HotpCode(fob, 1009), kNow, "bob"), Verdict::kAccepted, "Fob", 9, 0);
  assert_int_equal(f.State("bob").Find(fob.id)->last_step, 1009);
}

void HotpResyncWithTwoConsecutiveCodes(void**) {
  Fixture f;
  f.Enroll(f.fob);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 50)), Verdict::kResyncNeeded, "Fob", 50, 1);
  UserState state = f.State();
  assert_null(state.Find(f.fob.id));  // nothing accepted yet
  assert_true(state.resync.has_value());
  assert_string_equal(state.resync->device_id.c_str(), f.fob.id.c_str());
  assert_int_equal(state.resync->counter, 50);
  assert_int_equal(state.resync->seen, kNow);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 51), kNow + 20), Verdict::kAccepted, "Fob", 51, 0);
  state = f.State();
  assert_int_equal(state.Find(f.fob.id)->last_step, 51);
  assert_false(state.resync.has_value());
  ExpectOutcome(f.Verify(HotpCode(f.fob, 51), kNow + 21), Verdict::kReplayed, "Fob", -1, 1);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 52), kNow + 22), Verdict::kAccepted, "Fob", 0, 0);
  // The second code must be the very next one.
  ExpectOutcome(f.Verify(HotpCode(f.fob, 80), kNow + 23), Verdict::kResyncNeeded, "Fob", 27, 1);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 82), kNow + 24), Verdict::kResyncNeeded, "Fob", 29, 2);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 83), kNow + 25), Verdict::kAccepted, "Fob", 30, 0);
  // Beyond the window plus kHotpResyncRange the token is simply wrong.
  const uint64_t too_far = 84 + 10 + kHotpResyncRange;
  ExpectOutcome(f.Verify(HotpCode(f.fob, too_far), kNow + 26), Verdict::kWrongCode, "", 0, 1);
  ExpectOutcome(f.Verify(HotpCode(f.fob, too_far - 1), kNow + 27), Verdict::kResyncNeeded, "Fob",
                109, 2);
}

// Regression: a resync started at the last counter the scan reaches used to be unfinishable,
// because the code for the counter after it lay outside the scanned range.
void HotpResyncAtTheFarEdgeCanBeFinished(void**) {
  Fixture f;
  f.Enroll(f.fob);
  const uint64_t edge = static_cast<uint64_t>(f.config.hotp_window) + kHotpResyncRange - 1;
  ExpectOutcome(f.Verify(HotpCode(f.fob, edge)), Verdict::kResyncNeeded, "Fob",
                static_cast<int64_t>(edge), 1);
  assert_int_equal(f.State().resync->counter, edge);
  ExpectOutcome(f.Verify(HotpCode(f.fob, edge + 1), kNow + 10), Verdict::kAccepted, "Fob",
                static_cast<int64_t>(edge + 1), 0);
  assert_int_equal(f.State().Find(f.fob.id)->last_step, edge + 1);
  assert_false(f.State().resync.has_value());
}

void HotpResyncMustFinishInTime(void**) {
  Fixture f;
  f.Enroll(f.fob);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 50)), Verdict::kResyncNeeded, "Fob", 50, 1);
  const int64_t late = kNow + kResyncSeconds + 1;
  ExpectOutcome(f.Verify(HotpCode(f.fob, 51), late), Verdict::kResyncNeeded, "Fob", 51, 2);
  assert_int_equal(f.State().resync->counter, 51);
  assert_int_equal(f.State().resync->seen, late);
  assert_null(f.State().Find(f.fob.id));
  // Exactly kResyncSeconds after the first code of the pair is still in time.
  ExpectOutcome(f.Verify(HotpCode(f.fob, 52), late + kResyncSeconds), Verdict::kAccepted, "Fob", 52,
                0);
}

void TotpAndHotpDevicesKeepTheirOwnLastValue(void**) {
  Fixture f;
  f.Enroll(f.phone);
  f.Enroll(f.fob);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 2)), Verdict::kAccepted, "Fob", 2, 0);
  UserState state = f.State();
  assert_int_equal(state.devices.size(), 2);
  assert_int_equal(state.Find(f.phone.id)->last_step, kStep);
  assert_int_equal(state.Find(f.fob.id)->last_step, 2);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kReplayed, "Phone", 0, 1);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 2)), Verdict::kReplayed, "Fob", -1, 2);
  ExpectOutcome(f.Verify(HotpCode(f.fob, 3)), Verdict::kAccepted, "Fob", 0, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30)), Verdict::kAccepted, "Phone", 1, 0);
  state = f.State();
  assert_int_equal(state.Find(f.phone.id)->last_step, kStep + 1);
  assert_int_equal(state.Find(f.fob.id)->last_step, 3);
}

// --- Recovery codes ---------------------------------------------------------------------------

NewRecoveryCodes NewSet() {
  Result<NewRecoveryCodes> r = GenerateRecoveryCodes(10, kNow - 100, RecoveryParams{10, 8, 1});
  if (!r.ok()) fail_msg("%s", r.status().message().c_str());
  return std::move(r).value();
}

void ExpectRecovered(const Outcome& o, size_t left) {
  ExpectOutcome(o, Verdict::kRecoveryAccepted, "recovery code", 0, 0);
  assert_int_equal(o.recovery_left, left);
}

void RecoveryCodeWorksOnce(void**) {
  Fixture f;
  f.Enroll(f.phone);
  NewRecoveryCodes set = NewSet();
  f.SetRecovery(set.set);
  SecretBytes wrong = Wrong(CodeAt(f.phone, kNow));
  ExpectOutcome(f.Verify(wrong), Verdict::kWrongCode, "", 0, 1);
  ExpectRecovered(f.Verify(set.codes[0]), 9);  // and the failure count is reset
  ExpectOutcome(f.Verify(set.codes[0]), Verdict::kReplayed, "recovery code", 0, 1);
  std::string shouted(set.codes[0].view());
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ExpectOutcome(f.Verify(shouted), Verdict::kReplayed, "recovery code", 0, 2);
  std::string spaced(set.codes[7].view());
  spaced[4] = spaced[9] = ' ';
  ExpectRecovered(f.Verify(spaced), 8);
  UserState state = f.State();
  assert_string_equal(state.recovery_id.c_str(), set.set.id.c_str());
  assert_int_equal(state.recovery_used, (1u << 0) | (1u << 7));
  assert_null(state.Find(f.phone.id));  // no device step was used
  Outcome unknown = f.Verify("aaaa-aaaa-aaaa");
  assert_int_equal(static_cast<int>(unknown.verdict), static_cast<int>(Verdict::kWrongCode));
  assert_int_equal(unknown.failures, 1);
  // The TOTP code still works beside the recovery codes.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
}

void ReplacedRecoverySetStartsAfresh(void**) {
  Fixture f;
  f.Enroll(f.phone);
  NewRecoveryCodes old_set = NewSet();
  f.SetRecovery(old_set.set);
  ExpectRecovered(f.Verify(old_set.codes[0]), 9);
  NewRecoveryCodes new_set = NewSet();
  f.SetRecovery(new_set.set);
  for (size_t i : {size_t{1}, size_t{0}}) {
    Outcome o = f.Verify(old_set.codes[i]);
    assert_int_equal(static_cast<int>(o.verdict), static_cast<int>(Verdict::kWrongCode));
  }
  UserState state = f.State();
  assert_int_equal(state.failures, 2);
  assert_string_equal(state.recovery_id.c_str(), new_set.set.id.c_str());
  assert_int_equal(state.recovery_used, 0);
  // Code 0 of the new set is fresh although code 0 of the old set was used.
  ExpectRecovered(f.Verify(new_set.codes[0]), 9);
  assert_int_equal(f.State().recovery_used, 1);
}

void RecoveryCodeWithoutASetIsMalformed(void**) {
  Fixture f;
  f.Enroll(f.phone);
  Outcome o = f.Verify("abcd-efgh-ijkl");
  ExpectOutcome(o, Verdict::kMalformed, "", 0, 1);
  assert_string_equal(o.detail.c_str(), "the code must be digits only");
  assert_true(f.State().recovery_id.empty());
}

// --- Imported scratch codes: 8 digits that may also be a TOTP code ---------------------------

RecoverySet ScratchSet(std::initializer_list<std::string_view> codes) {
  std::vector<SecretBytes> normalized;
  for (std::string_view code : codes) normalized.push_back(SecretBytes::FromString(code));
  Result<RecoverySet> set = HashRecoveryCodes(normalized, kNow - 100, RecoveryParams{10, 8, 1});
  if (!set.ok()) fail_msg("%s", set.status().message().c_str());
  return std::move(set).value();
}

void ScratchCodeWorksOnceBesideADevice(void**) {
  Fixture f;
  f.Enroll(f.phone);
  f.SetRecovery(ScratchSet({"89838995", "78420649", "46287161"}));
  ExpectOutcome(f.Verify("12345678"), Verdict::kWrongCode, "", 0, 1);
  ExpectRecovered(f.Verify("78420649"), 2);
  ExpectOutcome(f.Verify("7842 0649"), Verdict::kReplayed, "recovery code", 0, 1);
  // Typed with a hyphen it is no TOTP code, and goes to the recovery set directly.
  ExpectRecovered(f.Verify("8983-8995"), 1);
  ExpectOutcome(f.Verify("8983-8995"), Verdict::kReplayed, "recovery code", 0, 1);
  assert_int_equal(f.State().recovery_used, (1u << 0) | (1u << 1));
  // Six digits are never tried as a scratch code.
  ExpectOutcome(f.Verify("462871"), Verdict::kWrongCode, "", 0, 2);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
}

void EightDigitDeviceIsTriedBeforeTheScratchCodes(void**) {
  Fixture f;
  Device eight = MakeDevice("0123456789abcd08", "Token8", kPhoneKey, HashAlgorithm::kSha1, 8);
  f.Enroll(eight);
  // A scratch code that happens to be the device's current code.
  SecretBytes code = CodeAt(eight, kNow);
  f.SetRecovery(ScratchSet({code.view(), "11112222"}));
  ExpectOutcome(f.Verify(code), Verdict::kAccepted, "Token8", 0, 0);
  assert_int_equal(f.State().recovery_used, 0);
  // A used step is a replay of the device, not a scratch code.
  ExpectOutcome(f.Verify(code, kNow + 1), Verdict::kReplayed, "Token8", 0, 1);
  assert_int_equal(f.State().recovery_used, 0);
  // Once no step near now gives it, the same digits are the scratch code (drift is not looked
  // for: the scratch code decided the attempt).
  ExpectRecovered(f.Verify(code, kNow + 300), 1);
  // A wrong 8-digit code on an 8-digit device still gets the drift diagnosis.
  ExpectOutcome(f.Verify(CodeAt(eight, kNow + 600), kNow + 330), Verdict::kWrongCode, "Token8", 0,
                1, 9);
  ExpectRecovered(f.Verify("1111-2222", kNow + 331), 0);
}

void EightDigitsWithoutARecoverySetAreJustWrong(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify("89838995"), Verdict::kWrongCode, "", 0, 1);
  Outcome hyphen = f.Verify("8983-8995");
  ExpectOutcome(hyphen, Verdict::kMalformed, "", 0, 2);
  assert_string_equal(hyphen.detail.c_str(), "the code must be digits only");
  // A set of 12-letter codes is tried, costs a hash, and matches nothing.
  f.SetRecovery(NewSet().set);
  ExpectOutcome(f.Verify("89838995"), Verdict::kWrongCode, "", 0, 3);
  assert_int_equal(f.State().recovery_used, 0);
}

// --- Drift diagnosis --------------------------------------------------------------------------

void DriftNamesTheDeviceAndTheDistance(void**) {
  Fixture f;
  f.Enroll(f.phone);
  f.Enroll(f.tablet);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 300)), Verdict::kWrongCode, "Phone", 0, 1, -10);
  ExpectOutcome(f.Verify(CodeAt(f.tablet, kNow + 300)), Verdict::kWrongCode, "Tablet", 0, 2, 10);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 600), kNow + 1), Verdict::kWrongCode, "Phone", 0, 3,
                kDriftSteps);
  // Further than kDriftSteps: just wrong.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 630), kNow + 2), Verdict::kWrongCode, "", 0, 4);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 900), kNow + 4), Verdict::kWrongCode, "", 0, 5);
  // Nothing was accepted on the way.
  assert_true(f.State().devices.empty());
}

// --- MarkCodeUsed -----------------------------------------------------------------------------

void MarkCodeUsedMakesTheCodeAReplay(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes code = CodeAt(f.phone, kNow + 30);
  f.Verify(Wrong(code));
  f.Verify(Wrong(code));
  ExpectOk(MarkCodeUsed(*f.store, "alice", f.phone.id, code, kNow, 1));
  UserState state = f.State();
  assert_int_equal(state.failures, 2);  // neither counted nor reset
  assert_int_equal(state.last_failure, kNow);
  assert_int_equal(state.Find(f.phone.id)->last_step, kStep + 1);
  assert_int_equal(state.Find(f.phone.id)->last_used, kNow);
  ExpectOutcome(f.Verify(code), Verdict::kReplayed, "Phone", 1, 3);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow), kNow + 1), Verdict::kReplayed, "Phone", 0, 4);
  // Only a fresh code within the window can be marked.
  Status again = MarkCodeUsed(*f.store, "alice", f.phone.id, code, kNow, 1);
  assert_int_equal(static_cast<int>(again.code()), static_cast<int>(Status::Code::kNotFound));
  assert_string_equal(again.message().c_str(), "the code is not the device's current code");
  Status far = MarkCodeUsed(*f.store, "alice", f.phone.id, CodeAt(f.phone, kNow + 90), kNow, 1);
  assert_string_equal(far.message().c_str(), "the code is not the device's current code");
  Status nobody = MarkCodeUsed(*f.store, "alice", f.tablet.id, CodeAt(f.tablet, kNow), kNow, 1);
  assert_int_equal(static_cast<int>(nobody.code()), static_cast<int>(Status::Code::kNotFound));
  assert_string_equal(nobody.message().c_str(), "no such device");
  assert_int_equal(f.State().failures, 4);
}

void MarkCodeUsedIgnoresTheLockout(void**) {
  Fixture f;
  f.config.max_failures = 5;
  f.Enroll(f.phone);
  FailFiveTimes(f, kNow - 10);
  ExpectOk(MarkCodeUsed(*f.store, "alice", f.phone.id, CodeAt(f.phone, kNow), kNow, 0));
  assert_int_equal(f.State().failures, 5);
  assert_int_equal(f.State().Find(f.phone.id)->last_step, kStep);
}

// The state is not synced on every login, so a crash may lose the record of a code used just
// before it. A step that a login before the boot could have used (up to the boot's step +
// window) is therefore refused after it, without counting a failure; the steps after work.
void StepsABootMayHaveForgottenAreRefused(void**) {
  Fixture f;
  f.Enroll(f.phone);
  const int64_t boot = kNow - 10;  // in kStep, like kNow; window 1: kStep + 1 may have been used
  ExpectOutcome(f.VerifyBooted(CodeAt(f.phone, kNow), kNow, boot), Verdict::kBeforeBoot, "Phone", 0,
                0);
  ExpectOutcome(f.VerifyBooted(CodeAt(f.phone, kNow + 30), kNow, boot), Verdict::kBeforeBoot,
                "Phone", 1, 0);
  ExpectOutcome(f.VerifyBooted(CodeAt(f.phone, kNow + 30), kNow + 30, boot), Verdict::kBeforeBoot,
                "Phone", 0, 0);
  assert_int_equal(f.State().failures, 0);
  ExpectOutcome(f.VerifyBooted(CodeAt(f.phone, kNow + 60), kNow + 60, boot), Verdict::kAccepted,
                "Phone", 0, 0);
  // A used step stays a replay, whatever the boot.
  ExpectOutcome(f.VerifyBooted(CodeAt(f.phone, kNow + 60), kNow + 60, boot), Verdict::kReplayed,
                "Phone", 0, 1);
  // A boot two steps earlier leaves the current step free; a wrong code is still just wrong.
  Fixture g;
  g.Enroll(g.phone);
  const int64_t earlier = kNow - 25 - 60;  // the start of kStep - 2
  ExpectOutcome(g.VerifyBooted(Wrong(CodeAt(g.phone, kNow)), kNow, earlier), Verdict::kWrongCode,
                "", 0, 1);
  ExpectOutcome(g.VerifyBooted(CodeAt(g.phone, kNow - 30), kNow, earlier), Verdict::kBeforeBoot,
                "Phone", -1, 1);
  ExpectOutcome(g.VerifyBooted(CodeAt(g.phone, kNow), kNow, earlier), Verdict::kAccepted, "Phone",
                0, 0);
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(NormalizeCodeAcceptsDigitsAndSpaces),
      cmocka_unit_test(NormalizeCodeRefusesEverythingElse),
      cmocka_unit_test(AcceptsTheCurrentCode),
      cmocka_unit_test(SameCodeTwiceIsReplayed),
      cmocka_unit_test(OlderCodeAfterNewerIsReplayed),
      cmocka_unit_test(WindowOneAcceptsOneStepEitherSide),
      cmocka_unit_test(WindowZeroAcceptsOnlyTheCurrentStep),
      cmocka_unit_test(WindowThreeAcceptsThreeStepsEitherSide),
      cmocka_unit_test(FailuresCountUntilASuccess),
      cmocka_unit_test(NoDevicesIsItsOwnVerdictAndCreatesNothing),
      cmocka_unit_test(EachDeviceHasItsOwnLastStep),
      cmocka_unit_test(OtherAlgorithmsDigitsAndPeriodsWork),
      cmocka_unit_test(MalformedInputCountsAsAFailure),
      cmocka_unit_test(StoreErrorsFailClosed),
      cmocka_unit_test(ConcurrentLoginsWithOneCodeAcceptItOnce),
      cmocka_unit_test(BackoffDoublesUpToAMinute),
      cmocka_unit_test(BackoffThrottlesWithoutCounting),
      cmocka_unit_test(FewFailuresNeverThrottle),
      cmocka_unit_test(LockoutAfterMaxFailuresUntilLockoutTime),
      cmocka_unit_test(LockoutTimeZeroLastsUntilUnlock),
      cmocka_unit_test(ResetFailuresEndsTheBackoffAndCreatesNothingForOthers),
      cmocka_unit_test(HotpAcceptsCodesWithinTheWindowOnce),
      cmocka_unit_test(HotpStartsAtTheDevicesCounter),
      cmocka_unit_test(HotpResyncWithTwoConsecutiveCodes),
      cmocka_unit_test(HotpResyncAtTheFarEdgeCanBeFinished),
      cmocka_unit_test(HotpResyncMustFinishInTime),
      cmocka_unit_test(TotpAndHotpDevicesKeepTheirOwnLastValue),
      cmocka_unit_test(RecoveryCodeWorksOnce),
      cmocka_unit_test(ReplacedRecoverySetStartsAfresh),
      cmocka_unit_test(RecoveryCodeWithoutASetIsMalformed),
      cmocka_unit_test(ScratchCodeWorksOnceBesideADevice),
      cmocka_unit_test(EightDigitDeviceIsTriedBeforeTheScratchCodes),
      cmocka_unit_test(EightDigitsWithoutARecoverySetAreJustWrong),
      cmocka_unit_test(DriftNamesTheDeviceAndTheDistance),
      cmocka_unit_test(MarkCodeUsedMakesTheCodeAReplay),
      cmocka_unit_test(MarkCodeUsedIgnoresTheLockout),
      cmocka_unit_test(StepsABootMayHaveForgottenAreRefused),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
