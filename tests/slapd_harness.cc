#include "tests/slapd_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>
#include <tuple>
#include <utility>

namespace pamtotp::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Debian's slapd package; sbin is not on every PATH.
constexpr const char* kSlapd = "/usr/sbin/slapd";
constexpr const char* kSlapadd = "/usr/sbin/slapadd";
constexpr const char* kLdapsearch = "/usr/bin/ldapsearch";
constexpr const char* kHost1Password = "host1-password";
constexpr const char* kAdminPassword = "admin-password";

// Extensions for the three certificates, so that nothing depends on the system openssl.cnf.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";

// cn=config; %DIR%, %SCHEMA%, %PEER%, %ADMINPW% are substituted. The config database is managed by
// the test's own uid over ldapi (SASL EXTERNAL), as Debian sets it up for root, so that the ACL
// file is applied with the same ldapmodify command an admin runs.
constexpr const char* kConfigLdif = R"(dn: cn=config
objectClass: olcGlobal
cn: config
olcTLSCACertificateFile: %DIR%/ca.crt
olcTLSCertificateFile: %DIR%/server.crt
olcTLSCertificateKeyFile: %DIR%/server.key
olcTLSVerifyClient: allow
olcAuthzRegexp: {0}"^cn=([^,]+),ou=hosts,dc=example,dc=test$" "dn:cn=$1,ou=hosts,dc=example,dc=test"

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: {0}back_mdb
olcModuleLoad: {1}syncprov

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file://%SCHEMA%

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=%PEER% manage by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: %DIR%/db
olcSuffix: dc=example,dc=test
olcRootDN: cn=admin,dc=example,dc=test
olcRootPW: %ADMINPW%
olcDbIndex: objectClass eq
olcDbMaxSize: 268435456
)";

constexpr const char* kDataLdif = R"(dn: dc=example,dc=test
objectClass: dcObject
objectClass: organization
dc: example
o: example

dn: ou=hosts,dc=example,dc=test
objectClass: organizationalUnit
ou: hosts

dn: ou=groups,dc=example,dc=test
objectClass: organizationalUnit
ou: groups

dn: ou=people,dc=example,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=totp,dc=example,dc=test
objectClass: organizationalUnit
ou: totp

dn: cn=host1,ou=hosts,dc=example,dc=test
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: host1
userPassword: %HOST1PW%

dn: cn=host2,ou=hosts,dc=example,dc=test
objectClass: applicationProcess
cn: host2

dn: cn=pam_totp-hosts,ou=groups,dc=example,dc=test
objectClass: groupOfNames
cn: pam_totp-hosts
member: cn=host1,ou=hosts,dc=example,dc=test
member: cn=host2,ou=hosts,dc=example,dc=test

dn: cn=someone,ou=people,dc=example,dc=test
objectClass: person
cn: someone
sn: someone
userPassword: %SOMEONEPW%
)";

std::string Replace(std::string text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    text.replace(at, key.size(), value);
    at += value.size();
  }
  return text;
}

// Runs argv; false with its output in *why unless it exits 0.
bool Run(const std::vector<std::string>& argv, std::string* why) {
  CommandResult r = RunCommand(argv);
  if (r.exit_code == 0) return true;
  why->clear();
  for (const std::string& arg : argv) *why += arg + " ";
  *why += "exited " + std::to_string(r.exit_code) + ":\n" + r.out + r.err;
  return false;
}

// Two distinct free TCP ports on 127.0.0.1: bound to port 0 together, then released. Another
// process may take one before slapd binds it; Start then tries again with new ones.
std::pair<int, int> FreePorts() {
  int fds[2];
  int ports[2];
  for (int i = 0; i < 2; ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fds[i] < 0 || bind(fds[i], reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fds[i], reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      fail_msg("cannot pick a free port");
    }
    ports[i] = ntohs(addr.sin_port);
  }
  close(fds[0]);
  close(fds[1]);
  return {ports[0], ports[1]};
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// Waits up to `limit` for the child to exit; true if it did (and was reaped).
bool WaitExit(pid_t pid, std::chrono::milliseconds limit) {
  for (auto end = Clock::now() + limit; Clock::now() < end;) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

std::unique_ptr<Slapd> Slapd::Start(const SlapdOptions& options) {
  if (access(kSlapd, X_OK) != 0 || access(kLdapsearch, X_OK) != 0) {
    fail_msg("%s and %s are missing: install Debian's slapd and ldap-utils", kSlapd, kLdapsearch);
  }
  std::unique_ptr<Slapd> slapd(new Slapd(options));
  std::string why;
  if (slapd->Build(&why)) {
    // A port taken between FreePorts() and slapd's bind is the one expected reason to retry.
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::tie(slapd->port_, slapd->tls_port_) = FreePorts();
      if (slapd->Launch(&why)) {
        // Applied as an admin would (see the file), so the tests prove the shipped rules.
        if (Run(slapd->ToolArgv({}, slapd->ldapi_uri(), {"-Y", "EXTERNAL", "-Q"},
                                {"ldapmodify", "-f", options.acl_ldif}),
                &why)) {
          return slapd;
        }
        break;
      }
      if (why.find("Address already in use") == std::string::npos) break;
    }
  }
  slapd.reset();  // fail_msg longjmps past the destructor
  fail_msg("cannot start slapd: %s", why.c_str());
  return nullptr;
}

std::pair<std::unique_ptr<Slapd>, std::unique_ptr<Slapd>> Slapd::StartPair(
    const SlapdOptions& options) {
  SlapdOptions empty = options;
  empty.load_entries = false;
  std::unique_ptr<Slapd> a = Start(options), b = Start(empty);
  a->Provide(1);
  b->Provide(2);
  // The empty one copies the other before the other consumes from it, so that no refresh of
  // the full database ever starts from an empty provider.
  b->ConsumeFrom(*a);
  const std::vector<std::string> probe = {"ldapsearch", "-b", kSomeoneDn, "-s", "base", "cn"};
  for (auto end = Clock::now() + std::chrono::seconds(10); b->Ldap(probe).exit_code != 0;) {
    if (Clock::now() > end) fail_msg("the second slapd did not replicate the first within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  a->ConsumeFrom(*b);
  return {std::move(a), std::move(b)};
}

void Slapd::Provide(int server_id) {
  MustConfigure("dn: cn=config\nchangetype: modify\nreplace: olcServerID\nolcServerID: " +
                std::to_string(server_id) +
                "\n\ndn: olcOverlay=syncprov,olcDatabase={1}mdb,cn=config\nchangetype: add\n"
                "objectClass: olcOverlayConfig\nobjectClass: olcSyncProvConfig\n"
                "olcOverlay: syncprov\n");
}

void Slapd::ConsumeFrom(const Slapd& peer) {
  // The rootdn replicates (it reads everything, secrets included) over StartTLS, retrying every
  // second without end, so that a peer a test stops is caught up with when it comes back.
  MustConfigure(
      "dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcSyncrepl\n"
      "olcSyncrepl: rid=001 provider=" +
      peer.uri() + " bindmethod=simple binddn=\"" + admin_dn() +
      "\" credentials=" + kAdminPassword +
      " searchbase=\"dc=example,dc=test\" type=refreshAndPersist retry=\"1 +\""
      " starttls=critical tls_reqcert=demand tls_cacert=" +
      peer.ca_file() + "\n-\nadd: olcMultiProvider\nolcMultiProvider: TRUE\n");
}

void Slapd::MustConfigure(const std::string& ldif) {
  CommandResult r = Config({"ldapmodify"}, ldif);
  if (r.exit_code != 0) {
    fail_msg("ldapmodify of cn=config exited %d:\n%s%s\n%s", r.exit_code, r.out.c_str(),
             r.err.c_str(), ldif.c_str());
  }
}

Slapd::~Slapd() { Stop(); }

std::string Slapd::ldapi_uri() const {
  // The socket path, percent-encoded: it is the host part of the URL.
  std::string uri = "ldapi://";
  for (char c : dir_.File("ldapi")) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') {
      uri.push_back(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    }
  }
  return uri + "/";
}

bool Slapd::Build(std::string* why) {
  const std::string d = dir_.path();
  WriteFile(d + "/openssl.cnf", kOpensslConfig);
  // EC P-256 keys: generated in milliseconds, where RSA would cost most of Start's time.
  auto cert = [&](const std::string& name, const std::string& subject, const std::string& ext) {
    std::vector<std::string> argv = {
        "/usr/bin/env", "openssl", "req",   "-x509", "-noenc", "-config", d + "/openssl.cnf",
        "-extensions",  ext,       "-subj", subject, "-days",  "2"};
    argv.insert(argv.end(), {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"});
    argv.insert(argv.end(), {"-keyout", d + "/" + name + ".key", "-out", d + "/" + name + ".crt"});
    if (name != "ca") argv.insert(argv.end(), {"-CA", d + "/ca.crt", "-CAkey", d + "/ca.key"});
    return Run(argv, why);
  };
  // Printed in LDAP order, host2's subject is cn=host2,ou=hosts,dc=example,dc=test: the
  // identity SASL EXTERNAL binds as.
  if (!cert("ca", "/CN=pam_totp test CA", "ca") || !cert("server", "/CN=localhost", "server") ||
      !cert("host2", "/DC=test/DC=example/OU=hosts/CN=host2", "client")) {
    return false;
  }
  WriteFile(host_password_file(), kHost1Password);
  WriteFile(d + "/admin.password", kAdminPassword);
  const std::string peer = "gidNumber=" + std::to_string(getgid()) +
                           "+uidNumber=" + std::to_string(getuid()) +
                           ",cn=peercred,cn=external,cn=auth";
  std::string config = Replace(kConfigLdif, "%DIR%", d);
  config = Replace(config, "%SCHEMA%", options_.schema_ldif);
  config = Replace(config, "%ADMINPW%", kAdminPassword);
  WriteFile(d + "/config.ldif", Replace(config, "%PEER%", peer));
  const std::string data = Replace(kDataLdif, "%HOST1PW%", kHost1Password);
  WriteFile(d + "/data.ldif", Replace(data, "%SOMEONEPW%", kSomeonePassword));
  if (mkdir((d + "/slapd.d").c_str(), 0700) != 0 || mkdir((d + "/db").c_str(), 0700) != 0) {
    *why = "cannot create the slapd directories in " + d;
    return false;
  }
  return Run({kSlapadd, "-n0", "-F", d + "/slapd.d", "-l", d + "/config.ldif"}, why) &&
         (!options_.load_entries ||
          Run({kSlapadd, "-n1", "-F", d + "/slapd.d", "-l", d + "/data.ldif"}, why));
}

bool Slapd::Launch(std::string* why) {
  const std::string urls = uri() + " " + ldaps_uri() + " " + ldapi_uri();
  const std::string slapd_d = dir_.File("slapd.d");
  const char* argv[] = {
      kSlapd,       "-d",   options_.debug_level.c_str(), "-F", slapd_d.c_str(), "-h",
      urls.c_str(), nullptr};
  int log = open(log_file().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) fail_msg("cannot open %s", log_file().c_str());
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the test process even when cmocka longjmps past ~Slapd or the test crashes.
    // (The signal comes when the forking thread exits: tests drive slapd from one thread.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(argv[0], const_cast<char* const*>(argv));
    _exit(127);
  }
  close(log);
  close(null);
  if (pid_ < 0) fail_msg("fork failed");
  for (auto end = Clock::now() + std::chrono::seconds(10); Clock::now() < end;) {
    if (Accepts(port_) && Accepts(tls_port_)) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *why = "it exited with status " + std::to_string(status) + ":\n" + ReadFile(log_file());
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  *why = "it did not accept connections within 10 s:\n" + ReadFile(log_file());
  return false;
}

void Slapd::Stop() {
  if (pid_ <= 0) return;
  if (paused_) kill(pid_, SIGCONT);
  paused_ = false;
  kill(pid_, SIGTERM);
  if (!WaitExit(pid_, std::chrono::seconds(10))) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

void Slapd::Restart() {
  Stop();
  std::string why;
  if (!Launch(&why)) fail_msg("slapd did not start again: %s", why.c_str());
}

void Slapd::Pause() {
  int status = 0;
  // WUNTRACED: return once it is really stopped, not merely signalled.
  if (kill(pid_, SIGSTOP) != 0 || waitpid(pid_, &status, WUNTRACED) != pid_ ||
      !WIFSTOPPED(status)) {
    fail_msg("cannot stop slapd (pid %d)", static_cast<int>(pid_));
  }
  paused_ = true;
}

void Slapd::Resume() {
  int status = 0;
  if (kill(pid_, SIGCONT) != 0 || waitpid(pid_, &status, WCONTINUED) != pid_ ||
      !WIFCONTINUED(status)) {
    fail_msg("cannot continue slapd (pid %d)", static_cast<int>(pid_));
  }
  paused_ = false;
}

std::vector<std::string> Slapd::ToolArgv(const std::vector<std::string>& env,
                                         const std::string& uri,
                                         const std::vector<std::string>& bind,
                                         const std::vector<std::string>& args) const {
  // env(1) both sets the TLS variables and finds the tool on PATH (RunCommand does not search).
  std::vector<std::string> argv = {"/usr/bin/env", "LDAPTLS_CACERT=" + ca_file(),
                                   "LDAPTLS_REQCERT=demand"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.insert(argv.end(), {args.at(0), "-H", uri});
  argv.insert(argv.end(), bind.begin(), bind.end());
  argv.insert(argv.end(), args.begin() + 1, args.end());
  return argv;
}

CommandResult Slapd::Ldap(const std::vector<std::string>& args, const std::string& input) {
  return RunCommand(
      ToolArgv({}, uri(), {"-ZZ", "-x", "-D", admin_dn(), "-y", dir_.File("admin.password")}, args),
      input);
}

CommandResult Slapd::AsUser(const std::string& dn, const std::string& password,
                            const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> bind = {"-ZZ", "-x"};
  if (!dn.empty()) bind.insert(bind.end(), {"-D", dn, "-w", password});
  return RunCommand(ToolArgv({}, uri(), bind, args), input);
}

CommandResult Slapd::AsHost2(const std::vector<std::string>& args, const std::string& input) {
  return RunCommand(ToolArgv({"LDAPTLS_CERT=" + host2_cert(), "LDAPTLS_KEY=" + host2_key()},
                             ldaps_uri(), {"-Y", "EXTERNAL", "-Q"}, args),
                    input);
}

CommandResult Slapd::Config(const std::vector<std::string>& args, const std::string& input) {
  return RunCommand(ToolArgv({}, ldapi_uri(), {"-Y", "EXTERNAL", "-Q"}, args), input);
}

}  // namespace pamtotp::testing
