// Concurrency stress, bounded to a few seconds: many processes authenticating at once through
// libpam and the built pam_totp.so, while devices are enrolled and removed through core. Then
// every store and state file must parse, and nothing may be lost. Prints its counts.
#include <security/pam_appl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>
#include <stdexcept>

#include "core/random.h"
#include "core/store.h"
#include "core/verifier.h"
#include "tests/hardening_support.h"
#include "tests/pam_harness.h"

namespace pamtotp {
namespace {

using testing::EnrollHotp;
using testing::HotpCode;
using testing::InspectStore;
using testing::OpenStoreOrFail;
using testing::PamFixture;
using testing::RunTogether;
using testing::StoreFiles;

constexpr int kLoginOk = 0;
constexpr int kLoginDenied = 1;
constexpr int kLoginOther = 2;

int Outcome(int pam_result) {
  return pam_result == PAM_SUCCESS    ? kLoginOk
         : pam_result == PAM_AUTH_ERR ? kLoginDenied
                                      : kLoginOther;
}

void ExpectParses(const StoreFiles& files) {
  if (!files.error.empty()) fail_msg("%s", files.error.c_str());
}

// One HOTP counter, then one TOTP step, raced by many processes: exactly one gets in per step.
void SameCodeAtOnceAdmitsExactlyOnePerStep(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  std::unique_ptr<Store> store = OpenStoreOrFail(pam.store_template());
  constexpr int kProcesses = 12;
  constexpr int kRounds = 15;
  int admitted = 0, logins = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string code = HotpCode(key, static_cast<uint64_t>(round));
    std::vector<int> results = RunTogether(
        kProcesses, [&](int) { return Outcome(pam.Authenticate("alice", code).result); });
    logins += kProcesses;
    int ok = static_cast<int>(std::count(results.begin(), results.end(), kLoginOk));
    int denied = static_cast<int>(std::count(results.begin(), results.end(), kLoginDenied));
    if (ok != 1 || denied != kProcesses - 1) {
      fail_msg("round %d: %d admitted, %d denied of %d", round, ok, denied, kProcesses);
    }
    admitted += ok;
    // The losers' replays count as failures; start each round without backoff.
    assert_true(ResetFailures(*store, "alice").ok());
  }
  StoreFiles files = InspectStore(pam.DevicesPath("alice"));
  ExpectParses(files);
  assert_int_equal(files.last_step["token"], kRounds - 1);

  const std::string totp_key = pam.Enroll("tina", "phone");
  testing::AvoidStepBoundary(8);
  const std::string code = testing::OathtoolTotp(totp_key, std::time(nullptr));
  std::vector<int> results =
      RunTogether(kProcesses, [&](int) { return Outcome(pam.Authenticate("tina", code).result); });
  logins += kProcesses;
  assert_int_equal(std::count(results.begin(), results.end(), kLoginOk), 1);
  assert_int_equal(std::count(results.begin(), results.end(), kLoginDenied), kProcesses - 1);
  ExpectParses(InspectStore(pam.DevicesPath("tina")));
  print_message(
      "stress: same code: %d HOTP steps + 1 TOTP step, %d processes each: %d logins, "
      "%d admitted (exactly one per step)\n",
      kRounds, kProcesses, logins, admitted + 1);
}

// Many users logging in at once, each with fresh codes: every login succeeds, none is lost.
void ManyUsersAtOnceAllGetIn(void**) {
  PamFixture pam;
  constexpr int kUsers = 32;
  constexpr int kWorkers = 8;
  constexpr int kLoginsPerUser = 6;
  std::vector<std::string> keys;
  for (int u = 0; u < kUsers; ++u) {
    keys.push_back(EnrollHotp(pam.store_template(), "user" + std::to_string(u), "token"));
  }
  std::vector<int> results = RunTogether(kWorkers, [&](int worker) {
    for (int k = 0; k < kLoginsPerUser; ++k) {
      for (int u = worker; u < kUsers; u += kWorkers) {
        const std::string user = "user" + std::to_string(u);
        if (pam.Authenticate(user, HotpCode(keys[static_cast<size_t>(u)], static_cast<uint64_t>(k)))
                .result != PAM_SUCCESS) {
          return 1;
        }
      }
    }
    return 0;
  });
  assert_int_equal(std::count(results.begin(), results.end(), 0), kWorkers);
  for (int u = 0; u < kUsers; ++u) {
    StoreFiles files = InspectStore(pam.DevicesPath("user" + std::to_string(u)));
    ExpectParses(files);
    assert_int_equal(files.last_step["token"], kLoginsPerUser - 1);
    assert_int_equal(files.failures, 0);
  }
  print_message("stress: many users: %d processes, %d users, %d logins, all admitted\n", kWorkers,
                kUsers, kUsers * kLoginsPerUser);
}

Device NewTotpDevice(const std::string& name) {
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  Result<std::string> id = GenerateDeviceId();
  if (!secret.ok() || !id.ok()) throw std::runtime_error("no randomness");
  return Device{*id, name, std::move(secret).value(), HashAlgorithm::kSha1,
                6,   30,   std::time(nullptr)};
}

Status AddDevice(Store& store, const std::string& user, const std::string& name) {
  Device device = NewTotpDevice(name);
  return store.EditDevices(user, [&](Enrollment& e) {
    e.devices.push_back(device.Clone());
    return Status::Ok();
  });
}

Status RemoveDevice(Store& store, const std::string& user, const std::string& name) {
  return store.EditDevices(user, [&](Enrollment& e) {
    auto it = std::find_if(e.devices.begin(), e.devices.end(),
                           [&](const Device& d) { return d.name == name; });
    if (it == e.devices.end()) return Status::NotFound(name);
    e.devices.erase(it);
    return Status::Ok();
  });
}

// What one process of EditsWhileLoggingIn did, sent to the parent through a pipe.
struct Report {
  int role = 0;
  int ok = 0;       // logins, edits or checks that succeeded
  int gave_up = 0;  // account checks denied because carol's state file was replaced 8 times
  int bad = 0;      // anything else that did not succeed
};

enum Role { kAliceLogs, kAliceEdits, kCarolChurns, kAccountChecks, kRoles };
enum StepResult { kGood, kGaveUp, kBad };

constexpr auto kStressTime = std::chrono::seconds(3);

// One step of `role`.
StepResult Step(int role, int i, const PamFixture& pam, Store& store, const std::string& key) {
  switch (role) {
    case kAliceLogs:  // each next code of alice's token, from one process: never a replay
      return pam.Authenticate("alice", HotpCode(key, static_cast<uint64_t>(i))).result ==
                     PAM_SUCCESS
                 ? kGood
                 : kBad;
    case kAliceEdits:  // extra-i added, extra-(i-1) removed
      return AddDevice(store, "alice", "extra-" + std::to_string(i)).ok() &&
                     (i == 0 || RemoveDevice(store, "alice", "extra-" + std::to_string(i - 1)).ok())
                 ? kGood
                 : kBad;
    case kCarolChurns: {  // carol's only device comes and goes, and her files with it
      Status s = AddDevice(store, "carol", "only");
      if (s.ok()) s = RemoveDevice(store, "carol", "only");
      if (!s.ok()) std::fprintf(stderr, "carol: %s\n", s.message().c_str());
      return s.ok() ? kGood : kBad;
    }
    default: {  // the account phase reads both users' state under their locks
      for (const char* user : {"carol", "alice"}) {
        testing::PamRun run = pam.AccountCheck(user);
        if (run.result == PAM_SUCCESS) continue;
        // The lock is the state file, which removing carol's last device unlinks; a reader
        // that keeps finding it replaced gives up after 8 tries and denies (fail closed). Only
        // a churn as relentless as this one can cause that.
        if (std::string(user) == "carol" &&
            testing::LogContains(run.log, "keeps being replaced; giving up")) {
          return kGaveUp;
        }
        for (const std::string& line : run.log) std::fprintf(stderr, "%s\n", line.c_str());
        return kBad;
      }
      return kGood;
    }
  }
}

// Logins, enrollment and removal of other devices of the same user, a user whose last device
// comes and goes, and account checks, all at once. Afterwards alice has exactly "main" and the
// last extra device added, every login of hers is recorded, and carol has no files left.
void EditsWhileLoggingIn(void**) {
  PamFixture pam;
  pam.SetModuleArgs("", std::string("account required ") + PAM_TOTP_SO + " config=" + pam.dir() +
                            "/pam_totp.conf store=" + pam.store_template() + "\n");
  const std::string key = EnrollHotp(pam.store_template(), "alice", "main");
  int reports[2];
  assert_int_equal(pipe(reports), 0);
  const auto deadline = std::chrono::steady_clock::now() + kStressTime;
  std::vector<int> results = RunTogether(kRoles, [&](int role) {
    std::unique_ptr<Store> store = OpenStoreOrFail(pam.store_template());
    Report r{role, 0, 0};
    for (int i = 0; std::chrono::steady_clock::now() < deadline && r.bad == 0; ++i) {
      StepResult step = Step(role, i, pam, *store, key);
      (step == kGood ? r.ok : step == kGaveUp ? r.gave_up : r.bad)++;
    }
    return write(reports[1], &r, sizeof r) == sizeof r ? 0 : 3;
  });
  close(reports[1]);
  Report by_role[kRoles];
  for (int i = 0; i < kRoles; ++i) {
    Report r;
    assert_int_equal(read(reports[0], &r, sizeof r), sizeof r);
    by_role[r.role] = r;
  }
  close(reports[0]);
  for (int code : results) assert_int_equal(code, 0);
  for (const Report& r : by_role) {
    if (r.bad != 0) fail_msg("role %d: a step failed after %d good ones", r.role, r.ok);
  }
  StoreFiles alice = InspectStore(pam.DevicesPath("alice"));
  ExpectParses(alice);
  const int edits = by_role[kAliceEdits].ok;
  std::vector<std::string> expected = {"main", "extra-" + std::to_string(edits - 1)};
  assert_true(alice.names == expected);
  assert_int_equal(alice.last_step["main"], by_role[kAliceLogs].ok - 1);
  assert_int_equal(alice.failures, 0);
  StoreFiles carol = InspectStore(pam.DevicesPath("carol"));
  ExpectParses(carol);
  assert_false(carol.devices_exist);
  assert_false(carol.state_exists);
  assert_true(testing::TempFilesIn(pam.dir() + "/store").empty());
  print_message(
      "stress: edits during logins: %d processes for %lld s: %d logins (all recorded), %d "
      "enrollments + %d removals for the same user, %d add/remove cycles of a last device, "
      "%d rounds of account checks (%d denied carol: her state file replaced 8 times in a row); "
      "nothing lost\n",
      static_cast<int>(kRoles), static_cast<long long>(kStressTime.count()), by_role[kAliceLogs].ok,
      edits, edits - 1, by_role[kCarolChurns].ok,
      by_role[kAccountChecks].ok + by_role[kAccountChecks].gave_up,
      by_role[kAccountChecks].gave_up);
}

// Readers that take no lock (a login reads the devices before it locks the state) while the
// devices file is replaced again and again: every read sees the old or the new file, never an
// error.
void ReadsDuringReplacementsNeverFail(void**) {
  PamFixture pam;
  EnrollHotp(pam.store_template(), "alice", "main");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::vector<int> results = RunTogether(3, [&](int role) {
    std::unique_ptr<Store> store = OpenStoreOrFail(pam.store_template());
    for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
      Status s;
      if (role == 0) {
        s = AddDevice(*store, "alice", "extra-" + std::to_string(i));
        if (s.ok() && i > 0) s = RemoveDevice(*store, "alice", "extra-" + std::to_string(i - 1));
      } else {
        Result<Enrollment> read = store->ReadDevices("alice");
        s = read.ok() ? Status::Ok() : read.status();
      }
      if (!s.ok()) {
        std::fprintf(stderr, "role %d, step %d: %s\n", role, i, s.message().c_str());
        return 1;
      }
    }
    return 0;
  });
  for (int code : results) assert_int_equal(code, 0);
}

}  // namespace
}  // namespace pamtotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pamtotp::SameCodeAtOnceAdmitsExactlyOnePerStep),
      cmocka_unit_test(pamtotp::ManyUsersAtOnceAllGetIn),
      cmocka_unit_test(pamtotp::EditsWhileLoggingIn),
      cmocka_unit_test(pamtotp::ReadsDuringReplacementsNeverFail),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
