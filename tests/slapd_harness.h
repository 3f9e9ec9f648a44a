// A private OpenLDAP server for tests: Debian's slapd on 127.0.0.1 with a temporary cn=config,
// an mdb database, our schema (packaging/ldap/pam_totp.ldif), the shipped example ACLs
// (packaging/ldap/acl-example.ldif, applied with ldapmodify exactly as the admin would) and TLS
// from a throwaway CA. Test-only; runs the slapd, slapadd, openssl and ldap-utils programs.
//
// The directory it starts with:
//   dc=example,dc=test
//     ou=hosts    cn=host1 (simple bind, password in host_password_file())
//                 cn=host2 (no password: SASL EXTERNAL with host2_cert() over TLS)
//     ou=groups   cn=pam_totp-hosts (groupOfNames: host1 and host2), the group the ACLs trust
//     ou=people   cn=someone (password kSomeonePassword, not in the group)
//     ou=totp     the store's base DN, empty
//
// Lifetime: slapd is a child of the test process and dies with it (PR_SET_PDEATHSIG), also when
// a cmocka assertion longjmps past the destructor. Prefer holding a Slapd in a cmocka
// setup/teardown state, whose teardown runs even after a failure, so that the directory is
// removed too. Not thread-safe: one thread drives an instance.
#ifndef PAMTOTP_TESTS_SLAPD_HARNESS_H_
#define PAMTOTP_TESTS_SLAPD_HARNESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/test_support.h"

namespace pamtotp::testing {

struct SlapdOptions {
  // The schema and ACL files loaded; the defaults are the ones shipped in packaging/ldap.
  std::string schema_ldif = PAMTOTP_SOURCE_DIR "/packaging/ldap/pam_totp.ldif";
  std::string acl_ldif = PAMTOTP_SOURCE_DIR "/packaging/ldap/acl-example.ldif";
  // slapd's -d level (0: errors only); the output goes to log_file().
  std::string debug_level = "0";
  // false: an empty database, not even dc=example,dc=test (StartPair fills its second server
  // by replication).
  bool load_entries = true;
};

class Slapd {
 public:
  static constexpr const char* kSomeoneDn = "cn=someone,ou=people,dc=example,dc=test";
  static constexpr const char* kSomeonePassword = "someone-password";
  static constexpr const char* kHostsGroupDn = "cn=pam_totp-hosts,ou=groups,dc=example,dc=test";

  // Builds the directory and starts slapd, waiting (up to 10 s) until it accepts connections.
  // Fails the current cmocka test (with slapd's output) if any step fails; never returns null.
  static std::unique_ptr<Slapd> Start(const SlapdOptions& options = {});
  // Two providers replicating each other (multi-provider syncrepl over StartTLS, server ids 1
  // and 2), each with its own CA, ports and database; the second is a copy of the first when
  // this returns. Either accepts writes, which reach the other after the replication delay.
  static std::pair<std::unique_ptr<Slapd>, std::unique_ptr<Slapd>> StartPair(
      const SlapdOptions& options = {});
  ~Slapd();  // stops slapd (SIGKILL if it does not stop) and removes the directory
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  std::string uri() const { return "ldap://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string ldaps_uri() const { return "ldaps://127.0.0.1:" + std::to_string(tls_port_) + "/"; }
  std::string ldapi_uri() const;
  std::string base_dn() const { return "ou=totp,dc=example,dc=test"; }
  std::string host_dn() const { return "cn=host1,ou=hosts,dc=example,dc=test"; }
  std::string host2_dn() const { return "cn=host2,ou=hosts,dc=example,dc=test"; }
  // Mode 0600, the password alone with no newline (what ldapsearch -y reads).
  std::string host_password_file() const { return dir_.File("host1.password"); }
  std::string host_password() const { return ReadFile(host_password_file()); }
  std::string host2_cert() const { return dir_.File("host2.crt"); }
  std::string host2_key() const { return dir_.File("host2.key"); }
  std::string ca_file() const { return dir_.File("ca.crt"); }
  std::string admin_dn() const { return "cn=admin,dc=example,dc=test"; }
  std::string admin_password() const { return ReadFile(dir_.File("admin.password")); }
  std::string log_file() const { return dir_.File("slapd.log"); }
  const std::string& dir() const { return dir_.path(); }
  pid_t pid() const { return pid_; }

  // SIGTERM and wait (SIGKILL after 10 s); the data stays.
  void Stop();
  // Starts slapd again on the same ports and data (stopping it first if it runs).
  void Restart();
  // SIGSTOP / SIGCONT: a server that accepts connections and never answers.
  void Pause();
  void Resume();

  // Runs an ldap-utils program (args[0]: "ldapsearch", "ldapmodify", "ldapadd", "ldapdelete",
  // "ldapwhoami", ...) against uri() with StartTLS required, bound as the rootdn; the harness
  // adds -H, -ZZ and the bind options before args[1..]. `input` goes to its standard input.
  CommandResult Ldap(const std::vector<std::string>& args, const std::string& input = "");
  // The same bound as `dn` with `password` (simple bind); an empty dn binds anonymously.
  CommandResult AsUser(const std::string& dn, const std::string& password,
                       const std::vector<std::string>& args, const std::string& input = "");
  // The same over ldaps_uri() with host2's client certificate and SASL EXTERNAL.
  CommandResult AsHost2(const std::vector<std::string>& args, const std::string& input = "");
  // The same over ldapi_uri() as the manager of cn=config (SASL EXTERNAL by uid), to change
  // the server's configuration: {"ldapmodify"} with an LDIF for olcDatabase={1}mdb,cn=config.
  CommandResult Config(const std::vector<std::string>& args, const std::string& input = "");

 private:
  explicit Slapd(SlapdOptions options) : options_(std::move(options)) {}
  // Each returns false with the reason in *why.
  bool Build(std::string* why);   // certificates, configuration and data
  bool Launch(std::string* why);  // starts slapd and waits until it accepts connections
  // Replication: serve changes as server `server_id`; consume `peer`'s, both ways.
  void Provide(int server_id);
  void ConsumeFrom(const Slapd& peer);
  void MustConfigure(const std::string& ldif);  // Config(ldapmodify) or fail the test
  // env(1) argv running the ldap-utils program args[0] against `uri` with `bind` options.
  std::vector<std::string> ToolArgv(const std::vector<std::string>& env, const std::string& uri,
                                    const std::vector<std::string>& bind,
                                    const std::vector<std::string>& args) const;

  SlapdOptions options_;
  TempDir dir_;
  int port_ = 0;
  int tls_port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace pamtotp::testing

#endif  // PAMTOTP_TESTS_SLAPD_HARNESS_H_
