// The test slapd itself, before any pam_totp code talks to it: our schema loads and is enforced,
// the shipped example ACLs give the secrets to the hosts group only (host1 by password over
// StartTLS, host2 by client certificate over ldaps) and to nobody else, the data survives a
// restart, a paused server hangs its clients (which is what the backend's time-outs are for), and
// two providers replicate each other.
#include "tests/slapd_harness.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

constexpr char kKey[] = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";  // alice's device, below
constexpr char kAlice[] = "pamTotpUser=alice,ou=totp,dc=example,dc=test";

// An account and one device with every MUST attribute, as the backend will write them.
constexpr char kAliceLdif[] = R"(dn: pamTotpUser=alice,ou=totp,dc=example,dc=test
objectClass: pamTotpAccount
pamTotpUser: alice
pamTotpSerial: 1

dn: pamTotpDeviceId=0123456789abcdef,pamTotpUser=alice,ou=totp,dc=example,dc=test
objectClass: pamTotpDevice
pamTotpDeviceId: 0123456789abcdef
pamTotpDeviceName: My phone
pamTotpSecret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
pamTotpType: totp
pamTotpAlgorithm: SHA1
pamTotpDigits: 6
pamTotpPeriod: 30
pamTotpCreated: 1700000000
)";

void PlantAlice(Slapd& slapd) {
  CommandResult r = slapd.Ldap({"ldapadd"}, kAliceLdif);
  if (r.exit_code != 0) fail_msg("ldapadd exited %d: %s", r.exit_code, r.err.c_str());
}

// Every entry of the store with all its attributes, as LDIF.
std::vector<std::string> SearchTotp() {
  return {"ldapsearch", "-LLL", "-b", "ou=totp,dc=example,dc=test", "(objectClass=*)"};
}

// The compare-and-swap the backend relies on: delete the value read, add the next.
std::string SwapSerial(int from, int to) {
  return std::string("dn: ") + kAlice + "\nchangetype: modify\ndelete: pamTotpSerial\n" +
         "pamTotpSerial: " + std::to_string(from) +
         "\n-\nadd: pamTotpSerial\npamTotpSerial: " + std::to_string(to) + "\n-\n";
}

int Setup(void** state) {
  *state = Slapd::Start().release();
  return 0;
}

int Teardown(void** state) {
  delete static_cast<Slapd*>(*state);
  return 0;
}

Slapd& Server(void** state) { return *static_cast<Slapd*>(*state); }

void AdminAddsAndFindsEntriesOfOurSchema(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  CommandResult r = slapd.Ldap(SearchTotp());
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "dn: pamTotpUser=alice,ou=totp,dc=example,dc=test");
  ASSERT_CONTAINS(r.out, "pamTotpDeviceName: My phone");
  ASSERT_CONTAINS(r.out, std::string("pamTotpSecret: ") + kKey);
  // The schema is enforced, not merely loaded: a device without its secret is refused.
  r = slapd.Ldap({"ldapadd"}, std::string("dn: pamTotpDeviceId=fedcba9876543210,") + kAlice +
                                  "\nobjectClass: pamTotpDevice\npamTotpDeviceId: fedcba9876543210"
                                  "\npamTotpDeviceName: x\npamTotpType: totp\n"
                                  "pamTotpAlgorithm: SHA1\npamTotpDigits: 6\n"
                                  "pamTotpCreated: 1\n");
  assert_int_equal(r.exit_code, 65);  // objectClassViolation
  ASSERT_CONTAINS(r.err, "pamTotpSecret");
}

void Host1ReadsAndSwapsOverStartTls(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  const std::string password = slapd.host_password();
  CommandResult r = slapd.AsUser(slapd.host_dn(), password, SearchTotp());
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, std::string("pamTotpSecret: ") + kKey);
  // Of two hosts swapping the same serial, the second is refused (noSuchAttribute).
  r = slapd.AsUser(slapd.host_dn(), password, {"ldapmodify"}, SwapSerial(1, 2));
  assert_int_equal(r.exit_code, 0);
  r = slapd.AsUser(slapd.host_dn(), password, {"ldapmodify"}, SwapSerial(1, 2));
  assert_int_equal(r.exit_code, 16);
  // A wrong password is refused: the reads above were not anonymous.
  r = slapd.AsUser(slapd.host_dn(), password + "x", {"ldapwhoami"});
  assert_int_equal(r.exit_code, 49);  // invalidCredentials
}

void Host2ReadsWithItsCertificate(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  CommandResult r = slapd.AsHost2({"ldapwhoami"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out, "dn:" + slapd.host2_dn() + "\n");
  r = slapd.AsHost2(SearchTotp());
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, std::string("pamTotpSecret: ") + kKey);
}

void SomeoneOutsideTheGroupGetsNothing(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  const std::string dn = Slapd::kSomeoneDn, password = Slapd::kSomeonePassword;
  CommandResult r = slapd.AsUser(dn, password, {"ldapwhoami"});
  assert_int_equal(r.exit_code, 0);  // he is bound, so what follows is the ACLs' doing
  ASSERT_CONTAINS(r.out, dn);
  r = slapd.AsUser(dn, password, SearchTotp());
  ASSERT_LACKS(r.out, "pamTotpSecret");
  ASSERT_LACKS(r.out, "alice");
  r = slapd.AsUser(dn, password, {"ldapsearch", "-LLL", "-b", kAlice, "-s", "base"});
  ASSERT_LACKS(r.out, "pamTotp");
  // Nor may he reset the state or plant a device of his own.
  r = slapd.AsUser(dn, password, {"ldapmodify"}, SwapSerial(1, 2));
  assert_int_not_equal(r.exit_code, 0);
  r = slapd.AsUser(dn, password, {"ldapadd"},
                   std::string("dn: pamTotpUser=someone,ou=totp,dc=example,dc=test\n") +
                       "objectClass: pamTotpAccount\npamTotpUser: someone\npamTotpSerial: 1\n");
  assert_int_not_equal(r.exit_code, 0);
  r = slapd.Ldap(SearchTotp());
  ASSERT_CONTAINS(r.out, "pamTotpSerial: 1\n");
  ASSERT_LACKS(r.out, "someone");
}

// The first rule stands on its own: a site that lets users read the state (the second rule)
// still gives them no secret.
void SecretsStayClosedWhenTheStateIsOpened(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  CommandResult r = slapd.Config(
      {"ldapmodify"},
      "dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcAccess\n"
      "olcAccess: {1}\n-\nadd: olcAccess\nolcAccess: {1}to dn.subtree=\"ou=totp,dc=example,"
      "dc=test\" by group.exact=\"cn=pam_totp-hosts,ou=groups,dc=example,dc=test\" write by "
      "users read\n-\n");
  assert_int_equal(r.exit_code, 0);
  r = slapd.AsUser(Slapd::kSomeoneDn, Slapd::kSomeonePassword, SearchTotp());
  ASSERT_CONTAINS(r.out, "pamTotpDeviceName: My phone");
  ASSERT_LACKS(r.out, "pamTotpSecret");
}

void AnonymousGetsNoSecretsNorPasswords(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  CommandResult r = slapd.AsUser("", "", SearchTotp());
  ASSERT_LACKS(r.out, "pamTotpSecret");
  ASSERT_LACKS(r.out, "alice");
  // The rest of the directory stays readable, except the passwords.
  r = slapd.AsUser("", "", {"ldapsearch", "-LLL", "-b", "ou=hosts,dc=example,dc=test"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "dn: " + slapd.host_dn());
  ASSERT_LACKS(r.out, "userPassword");
}

void RestartKeepsTheData(void** state) {
  Slapd& slapd = Server(state);
  PlantAlice(slapd);
  const std::string uri = slapd.uri();
  slapd.Stop();
  CommandResult r = slapd.Ldap(SearchTotp());
  assert_int_not_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.err, "Can't contact LDAP server");
  slapd.Restart();
  assert_string_equal(slapd.uri().c_str(), uri.c_str());
  r = slapd.Ldap(SearchTotp());
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, std::string("pamTotpSecret: ") + kKey);
  // The ACLs, applied once over ldapi, are part of the configuration that survived.
  r = slapd.AsUser("", "", SearchTotp());
  ASSERT_LACKS(r.out, "pamTotpSecret");
}

void PausedServerHangsItsClients(void** state) {
  Slapd& slapd = Server(state);
  // A root DSE read with a 1 s connect time-out under a 3 s kill: the connect succeeds (the
  // kernel queues it), so only the outer time-out ends the wait for an answer.
  const std::vector<std::string> probe = {
      "/usr/bin/timeout", "3",  "ldapsearch", "-x", "-H",   slapd.uri(),       "-o",
      "nettimeout=1",     "-b", "",           "-s", "base", "(objectClass=*)", "namingContexts"};
  slapd.Pause();
  auto start = std::chrono::steady_clock::now();
  CommandResult r = RunCommand(probe);
  auto took = std::chrono::steady_clock::now() - start;
  assert_int_equal(r.exit_code, 124);  // timeout's "timed out"
  assert_true(took < std::chrono::milliseconds(4500));
  slapd.Resume();
  r = RunCommand(probe);
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "namingContexts: dc=example,dc=test");
}

struct Pair {
  std::unique_ptr<Slapd> a, b;
};

int SetupPair(void** state) {
  auto [a, b] = Slapd::StartPair();
  *state = new Pair{std::move(a), std::move(b)};
  return 0;
}

int TeardownPair(void** state) {
  delete static_cast<Pair*>(*state);
  return 0;
}

// Milliseconds until the store as `slapd`'s admin sees it contains `needle`; fails after 5 s.
long WaitFor(Slapd& slapd, const std::string& needle) {
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(5);
  while (slapd.Ldap(SearchTotp()).out.find(needle) == std::string::npos) {
    if (std::chrono::steady_clock::now() > end) fail_msg("never saw \"%s\"", needle.c_str());
  }
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - start)
                               .count());
}

// What a fleet with two providers can count on: a write on either reaches the other, a
// compare-and-swap against a replicated value is refused, and how long that takes (printed;
// measured as the time until an ldapsearch sees it, so an upper bound).
void ReplicationGoesBothWays(void** state) {
  Pair& pair = *static_cast<Pair*>(*state);
  PlantAlice(*pair.a);
  const long a_to_b = WaitFor(*pair.b, std::string("pamTotpSecret: ") + kKey);
  const std::string password = pair.a->host_password();
  CommandResult r =
      pair.b->AsUser(pair.b->host_dn(), pair.b->host_password(), {"ldapmodify"}, SwapSerial(1, 2));
  assert_int_equal(r.exit_code, 0);
  const long b_to_a = WaitFor(*pair.a, "pamTotpSerial: 2\n");
  r = pair.a->AsUser(pair.a->host_dn(), password, {"ldapmodify"}, SwapSerial(1, 2));
  assert_int_equal(r.exit_code, 16);  // noSuchAttribute: the value it expected moved on
  print_message("replication delay (write to visible on the peer): %ld ms, %ld ms\n", a_to_b,
                b_to_a);
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(AdminAddsAndFindsEntriesOfOurSchema, Setup, Teardown),
      cmocka_unit_test_setup_teardown(Host1ReadsAndSwapsOverStartTls, Setup, Teardown),
      cmocka_unit_test_setup_teardown(Host2ReadsWithItsCertificate, Setup, Teardown),
      cmocka_unit_test_setup_teardown(SomeoneOutsideTheGroupGetsNothing, Setup, Teardown),
      cmocka_unit_test_setup_teardown(SecretsStayClosedWhenTheStateIsOpened, Setup, Teardown),
      cmocka_unit_test_setup_teardown(AnonymousGetsNoSecretsNorPasswords, Setup, Teardown),
      cmocka_unit_test_setup_teardown(RestartKeepsTheData, Setup, Teardown),
      cmocka_unit_test_setup_teardown(PausedServerHangsItsClients, Setup, Teardown),
      cmocka_unit_test_setup_teardown(ReplicationGoesBothWays, SetupPair, TeardownPair),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
