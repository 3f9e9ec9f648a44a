// The login decision, with codes from oathtool (an independent implementation) and a fixed
// `now`, so no test sleeps or depends on the wall clock. Keys are fixed, so every run compares
// the same codes.
#include "core/verifier.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/otp.h"
#include "tests/test_support.h"

namespace pamtotp {
namespace {

constexpr int64_t kNow = 1750000015;  // step 58333333 of 30 s, step 29166666 of 60 s
constexpr std::string_view kPhoneKey = "12345678901234567890";
constexpr std::string_view kTabletKey = "abcdefghijklmnopqrst";

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

// The code oathtool computes for `device` at unix time `at`, as NormalizeCode returns it.
SecretBytes CodeAt(const Device& device, int64_t at) {
  std::string key(Base32Encode(device.secret.bytes()).view());
  std::string text = testing::OathtoolTotp(key, at, device.digits, device.period,
                                           std::string(AlgorithmName(device.algorithm)));
  Result<SecretBytes> code = NormalizeCode(text);
  assert_true(code.ok());
  return std::move(code).value();
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store = Open();
  Device phone = MakeDevice("0123456789abcdef", "Phone", kPhoneKey);
  Device tablet = MakeDevice("fedcba9876543210", "Tablet", kTabletKey);

  std::unique_ptr<Store> Open() const {
    Result<std::unique_ptr<Store>> s = OpenFileStore(dir.File("%u.totp"));
    assert_true(s.ok());
    return std::move(s).value();
  }
  void Enroll(const Device& device, const std::string& user = "alice") {
    ExpectOk(store->EditDevices(user, [&](std::vector<Device>& devices) {
      devices.push_back(device.Clone());
      return Status::Ok();
    }));
  }
  Outcome Verify(const SecretBytes& code, int window = 1, int64_t now = kNow,
                 const std::string& user = "alice") {
    Result<Outcome> outcome = VerifyCode(*store, user, code, now, window);
    if (!outcome.ok()) fail_msg("%s", outcome.status().message().c_str());
    return *outcome;
  }
  UserState State(const std::string& user = "alice") {
    std::vector<Device> devices;
    UserState state;
    ExpectOk(store->ReadState(user, devices, state));
    return state;
  }
};

void ExpectOutcome(const Outcome& o, Verdict verdict, const char* device, int offset,
                   uint32_t failures) {
  assert_int_equal(static_cast<int>(o.verdict), static_cast<int>(verdict));
  assert_string_equal(o.device_name.c_str(), device);
  assert_int_equal(o.offset, offset);
  assert_int_equal(o.failures, failures);
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
  assert_int_equal(state.Find(f.phone.id)->last_step, kNow / 30);
  assert_int_equal(state.Find(f.phone.id)->last_used, kNow);
}

void SameCodeTwiceIsReplayed(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes code = CodeAt(f.phone, kNow);
  ExpectOutcome(f.Verify(code), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOutcome(f.Verify(code), Verdict::kReplayed, "Phone", 0, 1);
  ExpectOutcome(f.Verify(code, 1, kNow - 5), Verdict::kReplayed, "Phone", 0, 2);
  ExpectOutcome(f.Verify(code, 1, kNow + 5), Verdict::kReplayed, "Phone", -1, 3);
  // From a second Store object, as a second login would see it.
  Result<Outcome> other = VerifyCode(*f.Open(), "alice", code, kNow, 1);
  assert_true(other.ok());
  ExpectOutcome(*other, Verdict::kReplayed, "Phone", 0, 4);
}

void OlderCodeAfterNewerIsReplayed(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30)), Verdict::kReplayed, "Phone", -1, 1);
  // The next step is still fresh.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30)), Verdict::kAccepted, "Phone", 1, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow), 1, kNow + 30), Verdict::kReplayed, "Phone", -1, 1);
}

void WindowOneAcceptsOneStepEitherSide(void**) {
  Fixture f;
  for (const char* user : {"alice", "bob", "carol", "dave"}) f.Enroll(f.phone, user);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30), 1, kNow, "alice"), Verdict::kAccepted, "Phone",
                -1, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30), 1, kNow, "bob"), Verdict::kAccepted, "Phone",
                1, 0);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 60), 1, kNow, "carol"), Verdict::kWrongCode, "", 0,
                1);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 60), 1, kNow, "dave"), Verdict::kWrongCode, "", 0,
                1);
  // The step boundaries: kNow - 25 is the first second of the current step.
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 34), 1, kNow - 25, "carol"), Verdict::kAccepted,
                "Phone", 1, 0);
}

void WindowZeroAcceptsOnlyTheCurrentStep(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30), 0), Verdict::kWrongCode, "", 0, 1);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow + 30), 0), Verdict::kWrongCode, "", 0, 2);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow), 0), Verdict::kAccepted, "Phone", 0, 0);
}

void FailuresCountUntilASuccess(void**) {
  Fixture f;
  f.Enroll(f.phone);
  SecretBytes right = CodeAt(f.phone, kNow);
  SecretBytes wrong = right.Clone();
  wrong.data()[5] = static_cast<uint8_t>('0' + (wrong.data()[5] - '0' + 1) % 10);
  for (int64_t at : {kNow - 30, kNow, kNow + 30})
    assert_false(CodeAt(f.phone, at).view() == wrong.view());
  for (uint32_t n = 1; n <= 3; ++n) {
    ExpectOutcome(f.Verify(wrong, 1, kNow + n), Verdict::kWrongCode, "", 0, n);
  }
  UserState state = f.State();
  assert_int_equal(state.failures, 3);
  assert_int_equal(state.last_failure, kNow + 3);
  ExpectOutcome(f.Verify(right), Verdict::kAccepted, "Phone", 0, 0);
  assert_int_equal(f.State().failures, 0);
}

void NoDevicesIsItsOwnVerdict(void**) {
  Fixture f;
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kNoDevices, "", 0, 0);
  assert_false(std::filesystem::exists(f.dir.File("alice.totp.state")));
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
  assert_int_equal(state.Find(f.phone.id)->last_step, kNow / 30);
  assert_int_equal(state.Find(f.tablet.id)->last_step, kNow / 30);
  // A code one device already used is refused, but the other device's next step is fresh.
  ExpectOutcome(f.Verify(CodeAt(f.tablet, kNow + 30)), Verdict::kAccepted, "Tablet", 1, 0);
  assert_int_equal(f.State().Find(f.phone.id)->last_step, kNow / 30);
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

// Input that is not a code at all is throttled like a wrong code, for enrolled users only.
void RecordFailureCountsForEnrolledUsersOnly(void**) {
  Fixture f;
  f.Enroll(f.phone);
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow)), Verdict::kAccepted, "Phone", 0, 0);
  ExpectOk(RecordFailure(*f.store, "alice", kNow + 1));
  ExpectOk(RecordFailure(*f.store, "alice", kNow + 2));
  UserState state = f.State();
  assert_int_equal(state.failures, 2);
  assert_int_equal(state.last_failure, kNow + 2);
  assert_int_equal(state.Find(f.phone.id)->last_step, kNow / 30);  // untouched
  ExpectOutcome(f.Verify(CodeAt(f.phone, kNow - 30)), Verdict::kReplayed, "Phone", -1, 3);
  ExpectOk(RecordFailure(*f.store, "bob", kNow));
  assert_false(std::filesystem::exists(f.dir.File("bob.totp")));
  assert_false(std::filesystem::exists(f.dir.File("bob.totp.state")));
  assert_false(RecordFailure(*f.store, "../bob", kNow).ok());
}

void StoreErrorsFailClosed(void**) {
  Fixture f;
  SecretBytes code = CodeAt(f.phone, kNow);
  testing::WriteFile(f.dir.File("alice.totp"), "pam_totp-devices 1\ngarbage\n", 0600);
  assert_false(VerifyCode(*f.store, "alice", code, kNow, 1).ok());
  assert_false(VerifyCode(*f.store, "../alice", code, kNow, 1).ok());
  Fixture g;
  g.Enroll(g.phone);
  Result<Outcome> before_1970 = VerifyCode(*g.store, "alice", code, -1, 1);
  assert_false(before_1970.ok());
  assert_string_equal(before_1970.status().message().c_str(), "the clock is before 1970");
}

// Several logins racing with the same code: the store serialises them, so exactly one wins.
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
        Result<Outcome> o = store.ok() ? VerifyCode(**store, "alice", code, kNow, 1)
                                       : Result<Outcome>(store.status());
        if (o.ok() && o->verdict == Verdict::kAccepted) exit_code = 0;
        if (o.ok() && o->verdict == Verdict::kReplayed) exit_code = 10;
      } catch (...) {
      }
      _exit(exit_code);
    }
    children.push_back(pid);
  }
  int accepted = 0, replayed = 0;
  for (pid_t pid : children) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) ++accepted;
    if (WEXITSTATUS(status) == 10) ++replayed;
  }
  assert_int_equal(accepted, 1);
  assert_int_equal(replayed, kProcesses - 1);
  assert_int_equal(f.State().failures, kProcesses - 1);
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
      cmocka_unit_test(FailuresCountUntilASuccess),
      cmocka_unit_test(NoDevicesIsItsOwnVerdict),
      cmocka_unit_test(EachDeviceHasItsOwnLastStep),
      cmocka_unit_test(OtherAlgorithmsDigitsAndPeriodsWork),
      cmocka_unit_test(RecordFailureCountsForEnrolledUsersOnly),
      cmocka_unit_test(StoreErrorsFailClosed),
      cmocka_unit_test(ConcurrentLoginsWithOneCodeAcceptItOnce),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
