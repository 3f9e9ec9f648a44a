// The directory backend against a real slapd (tests/slapd_harness): the Store contract, the
// built pam_totp.so on two PAM stacks standing for two hosts (one binding with a password over
// StartTLS, one with its TLS client certificate over ldaps), replay and lockout refused across
// them, exactly one winner when both get one code at once, totpctl against the directory, and a
// server that stops or hangs mid-run.
#include <security/_pam_types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/random.h"
#include "core/store_open.h"
#include "core/verifier.h"
#include "tests/pam_harness.h"
#include "tests/slapd_harness.h"
#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

#define KEY32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

Slapd* server = nullptr;  // one server for the whole program: started in setup

// pam_totp.conf for a host of the fleet. `how`: "password" (host1: simple bind, StartTLS) or
// "certificate" (host2: SASL EXTERNAL with its client certificate, ldaps).
// `at`: the server (default: the program's); `password_file`: host1's (default: at's).
std::string HostConfig(const std::string& how, const std::string& extra = "",
                       const Slapd* at = nullptr, const std::string& password_file = "") {
  if (at == nullptr) at = server;
  std::string text = "store = ldap\nldap_base = " + at->base_dn() +
                     "\nldap_ca_file = " + at->ca_file() + "\nldap_timeout = 2\n" +
                     "ldap_library = " LDAP_STORE_SO "\n";
  if (how == "password") {
    text += "ldap_uri = " + at->uri() + "\nldap_bind_dn = " + at->host_dn() +
            "\nldap_bind_password_file = " +
            (password_file.empty() ? at->host_password_file() : password_file) + "\n";
  } else {
    text += "ldap_uri = " + at->ldaps_uri() +
            "\nldap_sasl_mech = EXTERNAL\nldap_cert_file = " + at->host2_cert() +
            "\nldap_key_file = " + at->host2_key() + "\n";
  }
  return text + extra;
}

Config LoadHostConfig(const std::string& how, const std::string& extra = "") {
  TempDir dir;
  WriteFile(dir.File("pam_totp.conf"), HostConfig(how, extra), 0644);
  Config config;
  Status s = LoadConfigFile(dir.File("pam_totp.conf"), true, config);
  if (!s.ok()) fail_msg("%s", s.message().c_str());
  return config;
}

std::unique_ptr<Store> OpenHost(const std::string& how) {
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(LoadHostConfig(how), "");
  if (!store.ok())
    fail_msg("cannot open the directory store: %s", store.status().message().c_str());
  return std::move(store).value();
}

// A PAM stack of one host: auth and account through the built module, store = ldap.
std::unique_ptr<PamFixture> Host(const std::string& how, const std::string& extra = "") {
  auto host = std::make_unique<PamFixture>("store=ldap", HostConfig(how, extra));
  host->SetModuleArgs("store=ldap", "account required " PAM_TOTP_SO " config=" + host->dir() +
                                        "/pam_totp.conf store=ldap\n");
  return host;
}

Device NewDevice(const std::string& name, OtpType type, const std::string& key = KEY32) {
  Device d;
  d.id = GenerateDeviceId().value();
  d.name = name;
  d.secret = Base32Decode(key).value();
  d.created = std::time(nullptr);
  d.type = type;
  return d;
}

void Enroll(Store& store, const std::string& user, const Device& device) {
  Status s = store.EditDevices(user, [&](Enrollment& e) {
    e.devices.push_back(device.Clone());
    return Status::Ok();
  });
  if (!s.ok()) fail_msg("enroll: %s", s.message().c_str());
}

std::string OathtoolHotp(const std::string& key, uint64_t counter) {
  CommandResult r = RunCommand({OATHTOOL, "--hotp", "-b", "-c", std::to_string(counter), key});
  assert_int_equal(r.exit_code, 0);
  return r.out.substr(0, r.out.find('\n'));
}

void ExpectLog(const PamRun& run, const std::string& needle) {
  if (LogContains(run.log, needle)) return;
  std::string all;
  for (const std::string& line : run.log) all += line + "\n";
  fail_msg("no log line with '%s' in:\n%s", needle.c_str(), all.c_str());
}

std::string Search(const std::string& filter, const std::string& attribute) {
  CommandResult r =
      server->Ldap({"ldapsearch", "-LLL", "-b", server->base_dn(), filter, attribute});
  assert_int_equal(r.exit_code, 0);
  return r.out;
}

// --- the Store contract ----------------------------------------------------------------------

void DevicesAreAddedRenamedAndRemoved(void**) {
  std::unique_ptr<Store> store = OpenHost("password");
  Enroll(*store, "carol", NewDevice("My iPhone", OtpType::kTotp));
  Enroll(*store, "carol", NewDevice("Token", OtpType::kHotp));
  // The directory holds the entries the schema describes.
  // Created with serial 0; the second enrollment moved it once.
  ASSERT_CONTAINS(Search("(pamTotpUser=carol)", "pamTotpSerial"), "pamTotpSerial: 1");
  ASSERT_CONTAINS(Search("(pamTotpDeviceName=Token)", "pamTotpType"), "pamTotpType: hotp");
  // A second host sees them, and a name is still unique across hosts.
  std::unique_ptr<Store> other = OpenHost("certificate");
  Result<Enrollment> seen = other->ReadDevices("carol");
  assert_true(seen.ok());
  assert_int_equal(seen->devices.size(), 2);
  Status taken = other->EditDevices("carol", [](Enrollment& e) {
    for (Device& d : e.devices) d.name = "Same";
    return Status::Ok();
  });
  assert_false(taken.ok());
  ASSERT_CONTAINS(taken.message(), "two devices are named 'Same'");
  assert_true(other
                  ->EditDevices("carol",
                                [](Enrollment& e) {
                                  e.devices[0].name = "Old iPhone";
                                  return Status::Ok();
                                })
                  .ok());
  assert_true(store->ReadDevices("carol")->devices[0].name == "Old iPhone");
  // A recovery set is stored, replaced (the old value is deleted exactly) and kept hashed.
  for (const char* id : {"00112233445566aa", "00112233445566bb"}) {
    Status saved = store->EditDevices("carol", [&](Enrollment& e) {
      RecoverySet set;
      set.id = id;
      set.created = std::time(nullptr);
      set.hashes.push_back({});
      e.recovery = std::move(set);
      return Status::Ok();
    });
    if (!saved.ok()) fail_msg("recovery set %s: %s", id, saved.message().c_str());
  }
  ASSERT_CONTAINS(Search("(pamTotpUser=carol)", "pamTotpRecovery"), "id=00112233445566bb");
  // Removing the last device removes the account entry: nothing is left of carol.
  assert_true(store
                  ->EditDevices("carol",
                                [](Enrollment& e) {
                                  e.devices.clear();
                                  return Status::Ok();
                                })
                  .ok());
  ASSERT_LACKS(Search("(pamTotpUser=carol)", "pamTotpUser"), "carol");
  assert_int_equal(store->ReadDevices("carol")->devices.size(), 0);
  // A user without devices reads as empty, and a login records nothing for him.
  assert_true(store
                  ->UpdateState("nobody",
                                [](const Enrollment&, UserState& s) {
                                  s.failures = 9;
                                  return Status::Ok();
                                })
                  .ok());
  ASSERT_LACKS(Search("(pamTotpUser=nobody)", "pamTotpUser"), "nobody");
}

// Four processes, each on its own connection, add one failure 25 times: none is lost.
void ConcurrentUpdatesLoseNothing(void**) {
  {
    std::unique_ptr<Store> store = OpenHost("password");
    Enroll(*store, "dave", NewDevice("Phone", OtpType::kTotp));
  }
  constexpr int kProcesses = 4, kEach = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      Result<std::unique_ptr<Store>> store =
          OpenConfiguredStore(LoadHostConfig(p % 2 ? "certificate" : "password"), "dave");
      if (!store.ok()) std::fprintf(stderr, "child: %s\n", store.status().message().c_str());
      int ok = 0;
      for (int i = 0; store.ok() && i < kEach; ++i) {
        Status s = (*store)->UpdateState("dave", [](const Enrollment&, UserState& state) {
          state.failures += 1;
          return Status::Ok();
        });
        if (!s.ok()) std::fprintf(stderr, "child: %s\n", s.message().c_str());
        ok += s.ok() ? 1 : 0;
      }
      _exit(ok == kEach ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      fail_msg("a child ended with status %#x", status);
  }
  Enrollment e;
  UserState s;
  assert_true(OpenHost("password")->ReadState("dave", e, s).ok());
  assert_int_equal(s.failures, kProcesses * kEach);
  std::printf("ldap: %d processes x %d state updates on one account: %u recorded\n", kProcesses,
              kEach, s.failures);
}

// --- two hosts through libpam -----------------------------------------------------------------

void CodeUsedOnOneHostIsRefusedOnTheOther(void**) {
  auto a = Host("password");
  auto b = Host("certificate");
  Enroll(*OpenHost("password"), "erin", NewDevice("Phone", OtpType::kTotp));
  AvoidStepBoundary(5);
  const std::string code = OathtoolTotp(KEY32, std::time(nullptr));
  PamRun first = a->Authenticate("erin", code);
  assert_int_equal(first.result, PAM_SUCCESS);
  PamRun again = b->Authenticate("erin", code);
  assert_int_equal(again.result, PAM_AUTH_ERR);
  ExpectLog(again, "already used");
}

// Both hosts get the same HOTP code at the same moment, for 12 counters: exactly one wins each.
void SameCodeAtBothHostsOneWins(void**) {
  auto a = Host("password");
  auto b = Host("certificate");
  Enroll(*OpenHost("password"), "frank", NewDevice("Token", OtpType::kHotp));
  constexpr int kRounds = 12;
  int total = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string code = OathtoolHotp(KEY32, static_cast<uint64_t>(round));
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    std::vector<pid_t> children;
    for (PamFixture* host : {a.get(), b.get()}) {
      pid_t pid = fork();
      if (pid == 0) {
        char go;
        if (read(pipe_fds[0], &go, 1) != 1) _exit(3);
        _exit(host->Authenticate("frank", code).result == PAM_SUCCESS ? 0 : 1);
      }
      children.push_back(pid);
    }
    close(pipe_fds[0]);
    // Both children start from one write each, as close together as two processes can.
    if (write(pipe_fds[1], "gg", 2) != 2) fail_msg("write");
    close(pipe_fds[1]);
    int wins = 0;
    for (pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 3);
      wins += WEXITSTATUS(status) == 0;
    }
    if (wins != 1) fail_msg("round %d: %d hosts accepted the code", round, wins);
    total += wins;
  }
  std::printf("ldap: one HOTP code at two hosts at once, %d rounds: %d accepted\n", kRounds, total);
}

void LockoutIsShared(void**) {
  const std::string extra = "max_failures = 3\nlockout_time = 600\n";
  auto a = Host("password", extra);
  auto b = Host("certificate", extra);
  Enroll(*OpenHost("password"), "grace", NewDevice("Phone", OtpType::kTotp));
  AvoidStepBoundary(8);
  const std::string right = OathtoolTotp(KEY32, std::time(nullptr));
  const std::string wrong = right == "000000" ? "111111" : "000000";
  for (int i = 0; i < 3; ++i) {
    // The backoff between failures is waited out by the module itself.
    assert_int_equal(a->Authenticate("grace", wrong).result, PAM_AUTH_ERR);
  }
  PamRun locked = b->Authenticate("grace", right);
  assert_int_equal(locked.result, PAM_AUTH_ERR);
  ExpectLog(locked, "locked");
  assert_int_equal(b->AccountCheck("grace").result, PAM_PERM_DENIED);
  // Unlocked from the directory by totpctl on either host, the right code works again.
  TempDir conf;
  WriteFile(conf.File("pam_totp.conf"), HostConfig("certificate", extra), 0644);
  CommandResult unlock =
      RunCommand({TOTPCTL, "--config", conf.File("pam_totp.conf"), "--user", "grace", "unlock"});
  ASSERT_CONTAINS(unlock.out, "Unlocked grace: cleared 3 failed attempts.");
  if (unlock.exit_code != 0) fail_msg("totpctl unlock: %s", unlock.err.c_str());
  assert_int_equal(a->AccountCheck("grace").result, PAM_SUCCESS);
}

// --- totpctl ----------------------------------------------------------------------------------

std::string JsonString(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\":\"";
  size_t at = json.find(marker);
  if (at == std::string::npos) fail_msg("no %s in %s", key.c_str(), json.c_str());
  at += marker.size();
  return json.substr(at, json.find('"', at) - at);
}

void TotpctlManagesTheDirectory(void**) {
  TempDir conf;
  WriteFile(conf.File("pam_totp.conf"), HostConfig("password"), 0644);
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {TOTPCTL, "--config", conf.File("pam_totp.conf"), "--user", "heidi"});
    return args;
  };
  AvoidStepBoundary(5);
  std::string key;
  CommandResult enrolled =
      RunAnswering(ctl({"enroll", "--name", "Phone", "--json"}), [&](const std::string& json) {
        key = JsonString(json, "secret");
        return OathtoolTotp(key, std::time(nullptr)) + "\n";
      });
  if (enrolled.exit_code != 0) fail_msg("enroll: %s%s", enrolled.out.c_str(), enrolled.err.c_str());
  ASSERT_CONTAINS(Search("(pamTotpUser=heidi)", "pamTotpUser"), "pamTotpUser: heidi");
  CommandResult list = RunCommand(ctl({"list"}));
  assert_int_equal(list.exit_code, 0);
  ASSERT_CONTAINS(list.out, "Phone");
  // The code typed at enrollment was recorded as used, in the directory: no host accepts it.
  auto host = Host("certificate");
  assert_int_equal(host->Authenticate("heidi", OathtoolTotp(key, std::time(nullptr))).result,
                   PAM_AUTH_ERR);
  assert_int_equal(RunCommand(ctl({"rename", "Phone", "Work phone"})).exit_code, 0);
  ASSERT_CONTAINS(RunCommand(ctl({"list"})).out, "Work phone");
  assert_int_equal(RunCommand(ctl({"remove", "--yes", "Work phone"})).exit_code, 0);
  ASSERT_LACKS(Search("(pamTotpUser=heidi)", "pamTotpUser"), "heidi");
  // totpctl doctor checks the directory as this host sees it.
  CommandResult doctor = RunCommand({TOTPCTL, "--config", conf.File("pam_totp.conf"), "doctor",
                                     "--skip", "module,pam,sshd,helper,clock"});
  ASSERT_CONTAINS(doctor.out, "ok    store   directory " + server->uri() + ": bound, " +
                                  server->base_dn() + " readable");
  std::string typo = HostConfig("password");
  typo.replace(typo.find(server->base_dn()), server->base_dn().size(),
               "ou=typo,dc=example,dc=test");
  WriteFile(conf.File("pam_totp.conf"), typo, 0644);
  doctor = RunCommand({TOTPCTL, "--config", conf.File("pam_totp.conf"), "doctor", "--skip",
                       "module,pam,sshd,helper,clock"});
  assert_int_not_equal(doctor.exit_code, 0);
  ASSERT_CONTAINS(doctor.out, "is not visible to this host");
}

// Files into the directory and back with totpctl migrate: devices, and the login state with
// them, so a code used before the move is refused after it.
void MigrateFilesIntoTheDirectoryAndBack(void**) {
  TempDir files;
  const std::string from = files.File("%u.totp");
  Config file_config;
  file_config.store = from;
  {
    Result<std::unique_ptr<Store>> store = OpenFileStore(from);
    assert_true(store.ok());
    Enroll(**store, "lena", NewDevice("Phone", OtpType::kTotp));
  }
  AvoidStepBoundary(6);
  const std::string code = OathtoolTotp(KEY32, std::time(nullptr));
  {
    Result<std::unique_ptr<Store>> store = OpenFileStore(from);
    Result<Outcome> used = VerifyInput(**store, "lena", code, SystemClock(), file_config);
    assert_true(used.ok() && used->verdict == Verdict::kAccepted);
  }
  TempDir conf;
  WriteFile(conf.File("pam_totp.conf"), HostConfig("password"), 0644);
  CommandResult in =
      RunCommand({TOTPCTL, "--config", conf.File("pam_totp.conf"), "migrate", "--from", from});
  if (in.exit_code != 0) fail_msg("migrate --from: %s%s", in.out.c_str(), in.err.c_str());
  ASSERT_CONTAINS(in.out, "lena: 1 device");
  Config config = LoadHostConfig("password");
  Result<Outcome> replay = VerifyInput(*OpenHost("password"), "lena", code, SystemClock(), config);
  assert_true(replay.ok() && replay->verdict == Verdict::kReplayed);
  TempDir back;
  CommandResult out = RunCommand({TOTPCTL, "--config", conf.File("pam_totp.conf"), "migrate",
                                  "--to", back.File("%u.totp"), "lena"});
  if (out.exit_code != 0) fail_msg("migrate --to: %s%s", out.out.c_str(), out.err.c_str());
  Result<std::unique_ptr<Store>> returned = OpenFileStore(back.File("%u.totp"));
  assert_true(returned.ok());
  Result<Enrollment> devices = (*returned)->ReadDevices("lena");
  assert_true(devices.ok() && devices->devices.size() == 1);
  ASSERT_STR_EQ(devices->devices[0].name, "Phone");
}

// --- the server goes away ---------------------------------------------------------------------

void ServerDownFailsClosedWithinTheTimeout(void**) {
  auto host = Host("password");
  Enroll(*OpenHost("password"), "ivan", NewDevice("Phone", OtpType::kTotp));
  AvoidStepBoundary(10);
  const std::string code = OathtoolTotp(KEY32, std::time(nullptr));
  using Clock = std::chrono::steady_clock;

  server->Pause();  // hung: connections are accepted, nothing is answered
  auto start = Clock::now();
  PamRun hung = host->Authenticate("ivan", code);
  double hung_s = std::chrono::duration<double>(Clock::now() - start).count();
  server->Resume();
  assert_int_equal(hung.result, PAM_AUTHINFO_UNAVAIL);
  ExpectLog(hung, "store error, denied: directory");
  if (hung_s > 2 * 2 + 1) fail_msg("a hung server held the login %.1f s (timeout 2 s)", hung_s);

  server->Stop();  // gone: connections refused
  start = Clock::now();
  PamRun down = host->Authenticate("ivan", code);
  double down_s = std::chrono::duration<double>(Clock::now() - start).count();
  server->Restart();
  assert_int_equal(down.result, PAM_AUTHINFO_UNAVAIL);
  ExpectLog(down, "Can't contact LDAP server");
  std::printf("ldap: server hung -> denied in %.2f s; server down -> denied in %.2f s\n", hung_s,
              down_s);
  // Back up, the code that was never accepted still works once.
  assert_int_equal(host->Authenticate("ivan", code).result, PAM_SUCCESS);
}

void UntrustedServerCertificateIsRefused(void**) {
  TempDir dir;
  // A CA that did not sign the server's certificate: the connection must not be used.
  CommandResult made = RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                                   "-nodes", "-keyout", dir.File("k.pem"), "-out",
                                   dir.File("ca.pem"), "-days", "1", "-subj", "/CN=Other CA"});
  assert_int_equal(made.exit_code, 0);
  Config config = LoadHostConfig("password");
  config.ldap.ca_file = dir.File("ca.pem");
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(config, "");
  assert_false(store.ok());
  ASSERT_CONTAINS(store.status().message(), "StartTLS failed");
  // And TLS cannot be skipped by accident: without ldap_tls = no, plain binds never happen.
  config = LoadHostConfig("password");
  config.ldap.bind_dn = "cn=nobody,dc=example,dc=test";
  store = OpenConfiguredStore(config, "");
  assert_false(store.ok());
  assert_true(store.status().code() == Status::Code::kPermissionDenied);
}

// A host that cannot see the base (a typo in ldap_base, or an identity the ACLs leave out) must
// not take every user for unenrolled: with nullok that would let everyone in on a password.
void InvisibleBaseIsAnErrorNotAnEmptyStore(void**) {
  Enroll(*OpenHost("password"), "judy", NewDevice("Phone", OtpType::kTotp));
  TempDir dir;
  WriteFile(dir.File("someone.password"), Slapd::kSomeonePassword, 0600);
  for (const std::string& extra :
       {std::string("ldap_base = ou=typo,dc=example,dc=test\n"),
        "ldap_bind_dn = " + std::string(Slapd::kSomeoneDn) +
            "\nldap_bind_password_file = " + dir.File("someone.password") + "\n"}) {
    std::string text = HostConfig("password");
    // The later key replaces the earlier one: drop the lines being replaced.
    std::string kept;
    for (size_t start = 0; start < text.size();) {
      size_t end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      std::string key = line.substr(0, line.find(' '));
      if (extra.find(key + " =") == std::string::npos) kept += line + "\n";
      start = end + 1;
    }
    WriteFile(dir.File("pam_totp.conf"), kept + extra, 0644);
    Config config;
    assert_true(LoadConfigFile(dir.File("pam_totp.conf"), true, config).ok());
    Result<std::unique_ptr<Store>> store = OpenConfiguredStore(config, "judy");
    assert_true(store.ok());
    Result<Enrollment> read = (*store)->ReadDevices("judy");
    if (read.ok()) fail_msg("read %zu devices through %s", read->devices.size(), extra.c_str());
    ASSERT_CONTAINS(read.status().message(), "is not visible to this host");
    auto host = std::make_unique<PamFixture>("store=ldap nullok", kept + extra);
    host->SetModuleArgs("store=ldap nullok");
    assert_int_equal(host->Authenticate("judy", "123456").result, PAM_AUTH_ERR);
  }
}

// Two providers replicating each other: what a host writes on one reaches the other after the
// replication delay, measured here over 20 writes. Within that delay a host on the other
// provider does not yet see the write (pam_totp-ldap(5), "Several servers"); after it, a code
// used through one provider is refused through the other.
void ReplicationDelayBetweenTwoProviders(void**) {
  // No structured bindings: the lambdas below capture these, which clang 14 cannot do.
  auto servers = Slapd::StartPair();
  std::unique_ptr<Slapd>& a = servers.first;
  std::unique_ptr<Slapd>& b = servers.second;
  auto open = [&](const Slapd& at) {
    TempDir dir;
    WriteFile(dir.File("pam_totp.conf"), HostConfig("password", "", &at, a->host_password_file()),
              0644);
    Config config;
    assert_true(LoadConfigFile(dir.File("pam_totp.conf"), true, config).ok());
    Result<std::unique_ptr<Store>> store = OpenConfiguredStore(config, "");
    if (!store.ok()) fail_msg("%s", store.status().message().c_str());
    return std::make_pair(std::move(store).value(), config);
  };
  auto host_a = open(*a);
  auto host_b = open(*b);
  std::unique_ptr<Store>& store_a = host_a.first;
  std::unique_ptr<Store>& store_b = host_b.first;
  const Config& config_a = host_a.second;
  const Config& config_b = host_b.second;
  using Clock = std::chrono::steady_clock;
  // How long until provider b reads what `check` wants; fails after 5 s.
  auto until_b = [&](const std::function<bool(const Enrollment&, const UserState&)>& check) {
    const auto start = Clock::now();
    while (true) {
      Enrollment e;
      UserState s;
      assert_true(store_b->ReadState("kate", e, s).ok());
      double waited = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (check(e, s)) return waited;
      if (waited > 5000) fail_msg("provider b did not catch up within 5 s");
      usleep(500);
    }
  };
  Enroll(*store_a, "kate", NewDevice("Phone", OtpType::kTotp));
  until_b([](const Enrollment& e, const UserState&) { return e.devices.size() == 1; });
  std::vector<double> delays;
  for (uint32_t i = 1; i <= 20; ++i) {
    assert_true(store_a
                    ->UpdateState("kate",
                                  [&](const Enrollment&, UserState& s) {
                                    s.failures = i;
                                    return Status::Ok();
                                  })
                    .ok());
    delays.push_back(
        until_b([&](const Enrollment&, const UserState& s) { return s.failures == i; }));
  }
  std::sort(delays.begin(), delays.end());
  assert_true(store_a
                  ->UpdateState("kate",
                                [](const Enrollment&, UserState& s) {
                                  s.failures = 0;
                                  return Status::Ok();
                                })
                  .ok());
  until_b([](const Enrollment&, const UserState& s) { return s.failures == 0; });
  AvoidStepBoundary(5);
  const std::string code = OathtoolTotp(KEY32, std::time(nullptr));
  Result<Outcome> used = VerifyInput(*store_a, "kate", code, SystemClock(), config_a);
  assert_true(used.ok() && used->verdict == Verdict::kAccepted);
  until_b([](const Enrollment&, const UserState& s) { return !s.devices.empty(); });
  Result<Outcome> again = VerifyInput(*store_b, "kate", code, SystemClock(), config_b);
  assert_true(again.ok() && again->verdict == Verdict::kReplayed);
  std::printf(
      "ldap: replication delay between two providers over %zu writes: median %.1f ms, "
      "max %.1f ms (polled every 0.5 ms)\n",
      delays.size(), delays[delays.size() / 2], delays.back());
}

int StartServer(void**) {
  server = Slapd::Start().release();
  return server == nullptr ? -1 : 0;
}

int StopServer(void**) {
  delete server;
  server = nullptr;
  return 0;
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(DevicesAreAddedRenamedAndRemoved),
      cmocka_unit_test(ConcurrentUpdatesLoseNothing),
      cmocka_unit_test(CodeUsedOnOneHostIsRefusedOnTheOther),
      cmocka_unit_test(SameCodeAtBothHostsOneWins),
      cmocka_unit_test(LockoutIsShared),
      cmocka_unit_test(TotpctlManagesTheDirectory),
      cmocka_unit_test(MigrateFilesIntoTheDirectoryAndBack),
      cmocka_unit_test(UntrustedServerCertificateIsRefused),
      cmocka_unit_test(InvisibleBaseIsAnErrorNotAnEmptyStore),
      cmocka_unit_test(ReplicationDelayBetweenTwoProviders),
      cmocka_unit_test(ServerDownFailsClosedWithinTheTimeout),
  };
  return cmocka_run_group_tests(tests, StartServer, StopServer);
}
