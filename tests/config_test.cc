// pam_totp.conf: every key, the exact messages for mistakes, and the file checks that keep a
// writable or redirected config from weakening a security setting.
#include "core/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/test_support.h"

namespace pamtotp {
namespace {

constexpr char kPath[] = "/etc/security/pam_totp.conf";

void ExpectError(const Status& s, Status::Code code, const std::string& message) {
  assert_false(s.ok());
  assert_int_equal(static_cast<int>(s.code()), static_cast<int>(code));
  assert_string_equal(s.message().c_str(), message.c_str());
}

void ExpectOk(const Status& s) {
  if (!s.ok()) fail_msg("%s", s.message().c_str());
}

void ExpectRefused(const std::string& text, const std::string& message) {
  Config config;
  ExpectError(ParseConfigText(text, kPath, config), Status::Code::kInvalidArgument, message);
}

void DefaultsAreTheDocumentedOnes(void**) {
  Config config;
  assert_string_equal(config.store.c_str(), "/var/lib/pam_totp/%u.totp");
  assert_int_equal(config.window, 1);
  assert_string_equal(config.prompt.c_str(), "Verification code: ");
  assert_string_equal(config.issuer.c_str(), "");
}

void SetsEveryKey(void**) {
  Config config;
  ExpectOk(
      ParseConfigText("# pam_totp settings\n"
                      "\n"
                      "store = /srv/totp/%u.totp\n"
                      "window=3\n"
                      "   prompt   =   One-time code:\t\n"
                      "\tissuer = ACME Corp\r\n"
                      "   # indented comment\n",
                      kPath, config));
  assert_string_equal(config.store.c_str(), "/srv/totp/%u.totp");
  assert_int_equal(config.window, 3);
  assert_string_equal(config.prompt.c_str(), "One-time code:");
  assert_string_equal(config.issuer.c_str(), "ACME Corp");
}

void QuotedValuesKeepTheirSpaces(void**) {
  Config config;
  ExpectOk(
      ParseConfigText("prompt = \"One-time code: \"\n"
                      "issuer=\"  ACME  \"  \n"
                      "window = \"2\"\n"
                      "store = \"/srv/totp/%u.totp\"\n",
                      kPath, config));
  assert_string_equal(config.prompt.c_str(), "One-time code: ");
  assert_string_equal(config.issuer.c_str(), "  ACME  ");
  assert_int_equal(config.window, 2);
  assert_string_equal(config.store.c_str(), "/srv/totp/%u.totp");
  ExpectOk(ParseConfigText("issuer = \"\"\n", kPath, config));
  assert_string_equal(config.issuer.c_str(), "");
  ExpectOk(ParseConfigText("prompt = say \"hi\" \n", kPath, config));  // inner quotes stay
  assert_string_equal(config.prompt.c_str(), "say \"hi\"");
  ExpectRefused("prompt = \"\"\n",
                "/etc/security/pam_totp.conf line 1: prompt: must be 1 to 200 characters");
  ExpectRefused("window = \" 2\"\n",
                "/etc/security/pam_totp.conf line 1: window: must be a whole number from 0 to 10");
}

void EmptyTextChangesNothing(void**) {
  Config config;
  config.window = 4;
  ExpectOk(ParseConfigText("", kPath, config));
  ExpectOk(ParseConfigText("\n\n# nothing\n", kPath, config));
  assert_int_equal(config.window, 4);
  ExpectOk(ParseConfigText("window = 0", kPath, config));  // no final newline is fine
  assert_int_equal(config.window, 0);
  ExpectOk(ParseConfigText("window = 10\n", kPath, config));
  assert_int_equal(config.window, 10);
}

void RefusesUnknownAndRepeatedKeys(void**) {
  ExpectRefused("foo = 1\n", "/etc/security/pam_totp.conf line 1: unknown setting 'foo'");
  ExpectRefused("# c\n\nWindow = 1\n",
                "/etc/security/pam_totp.conf line 3: unknown setting 'Window'");
  ExpectRefused("nullok = yes\n", "/etc/security/pam_totp.conf line 1: unknown setting 'nullok'");
  ExpectRefused("window = 1\nwindow = 2\n",
                "/etc/security/pam_totp.conf line 2: 'window' is set twice");
  ExpectRefused("window = 1\n window=1\n",
                "/etc/security/pam_totp.conf line 2: 'window' is set twice");
  ExpectRefused(" = 1\n", "/etc/security/pam_totp.conf line 1: unknown setting ''");
}

void RefusesLinesWithoutEquals(void**) {
  ExpectRefused("window 1\n", "/etc/security/pam_totp.conf line 1: expected 'key = value'");
  ExpectRefused("\n\nstore\n", "/etc/security/pam_totp.conf line 3: expected 'key = value'");
}

void RefusesBadWindows(void**) {
  for (const char* w : {"-1", "11", "1x", "", "1.5", "+1", " 1 1", "0x1", "99999999999"}) {
    ExpectRefused(std::string("window = ") + w + "\n",
                  "/etc/security/pam_totp.conf line 1: window: must be a whole number from 0 "
                  "to 10");
  }
}

void RefusesBadStorePromptAndIssuer(void**) {
  ExpectRefused("store = relative/%u.totp\n",
                "/etc/security/pam_totp.conf line 1: store: store path must be absolute (start "
                "with '/')");
  ExpectRefused("store = /var/lib/pam_totp/%u\n",
                "/etc/security/pam_totp.conf line 1: store: store path must end with a suffix "
                "after %u, such as %u.totp, so that one user's files cannot be another user's");
  ExpectRefused("prompt =\n",
                "/etc/security/pam_totp.conf line 1: prompt: must be 1 to 200 characters");
  ExpectRefused("prompt = a\x1b[2Jb\n",
                "/etc/security/pam_totp.conf line 1: prompt: must not hold control characters");
  ExpectRefused("issuer = " + std::string(101, 'x') + "\n",
                "/etc/security/pam_totp.conf line 1: issuer: must be at most 100 characters");
}

void RefusesNulBytes(void**) {
  ExpectRefused(std::string("window = 1\0\n", 12),
                "/etc/security/pam_totp.conf: contains a NUL byte");
}

void ApplySettingNamesItsOrigin(void**) {
  Config config;
  ExpectError(ApplySetting(config, "window", "12", "module argument"),
              Status::Code::kInvalidArgument,
              "module argument: window: must be a whole number from 0 to 10");
  ExpectOk(ApplySetting(config, "window", "2", "module argument"));
  assert_int_equal(config.window, 2);
}

void LoadsAFile(void**) {
  testing::TempDir dir;
  std::string path = dir.File("pam_totp.conf");
  testing::WriteFile(path, "window = 5\nissuer = Example\n", 0644);
  Config config;
  ExpectOk(LoadConfigFile(path, true, config));
  assert_int_equal(config.window, 5);
  assert_string_equal(config.issuer.c_str(), "Example");
  testing::WriteFile(path, "window = 5\nbogus = 1\n", 0600);
  ExpectError(LoadConfigFile(path, true, config), Status::Code::kInvalidArgument,
              path + " line 2: unknown setting 'bogus'");
}

void MissingFileIsFineUnlessRequired(void**) {
  testing::TempDir dir;
  std::string path = dir.File("absent.conf");
  Config config;
  ExpectOk(LoadConfigFile(path, false, config));
  assert_int_equal(config.window, 1);
  ExpectError(LoadConfigFile(path, true, config), Status::Code::kIOError,
              "cannot open " + path + ": No such file or directory");
}

void RefusesSymlink(void**) {
  testing::TempDir dir;
  std::string real = dir.File("real.conf");
  std::string link = dir.File("link.conf");
  testing::WriteFile(real, "window = 5\n", 0644);
  assert_int_equal(symlink(real.c_str(), link.c_str()), 0);
  Config config;
  ExpectError(LoadConfigFile(link, false, config), Status::Code::kPermissionDenied,
              link + " is a symlink; refusing to follow it");
  // A dangling symlink is not "missing": someone put it there.
  assert_int_equal(unlink(real.c_str()), 0);
  ExpectError(LoadConfigFile(link, false, config), Status::Code::kPermissionDenied,
              link + " is a symlink; refusing to follow it");
  assert_int_equal(config.window, 1);
}

void RefusesGroupOrWorldWritableFile(void**) {
  testing::TempDir dir;
  std::string path = dir.File("pam_totp.conf");
  for (unsigned mode : {0664u, 0646u, 0666u}) {
    testing::WriteFile(path, "window = 5\n", mode);
    Config config;
    Status s = LoadConfigFile(path, false, config);
    ExpectError(s, Status::Code::kPermissionDenied,
                path + " is writable by group or others; run chmod 644 " + path);
    assert_int_equal(config.window, 1);
  }
  testing::WriteFile(path, "window = 5\n", 0640);  // group-readable is fine
  Config config;
  ExpectOk(LoadConfigFile(path, true, config));
}

void RefusesDirectoryAndFifo(void**) {
  testing::TempDir dir;
  Config config;
  ExpectError(LoadConfigFile(dir.path(), false, config), Status::Code::kPermissionDenied,
              dir.path() + " is not a regular file");
  std::string fifo = dir.File("fifo.conf");
  assert_int_equal(mkfifo(fifo.c_str(), 0600), 0);
  // Must not block waiting for a writer.
  ExpectError(LoadConfigFile(fifo, false, config), Status::Code::kPermissionDenied,
              fifo + " is not a regular file");
}

void RefusesOversizeFile(void**) {
  testing::TempDir dir;
  std::string path = dir.File("big.conf");
  testing::WriteFile(path, std::string(kMaxConfigFileSize + 1, '#'), 0644);
  Config config;
  ExpectError(LoadConfigFile(path, false, config), Status::Code::kInvalidArgument,
              path + " is larger than 64 KiB");
}

// --- the self-service policy --------------------------------------------------------------

void PolicyDefaults(void**) {
  Config config;
  assert_true(config.allow_self_enroll);
  assert_true(config.allow_self_remove);
  assert_false(config.allow_self_show);
  assert_int_equal(config.max_devices, 32);
  assert_true(config.allowed_algorithms.empty());  // any
  assert_true(config.allowed_digits.empty());
  assert_true(config.allowed_periods.empty());
  ExpectOk(CheckDeviceSettings(config, OtpType::kTotp, HashAlgorithm::kSha512, 7, 3600));
  ExpectOk(CheckSelfAction(config, SelfAction::kEnroll));
  ExpectOk(CheckSelfAction(config, SelfAction::kRemove));
  ExpectError(CheckSelfAction(config, SelfAction::kShow), Status::Code::kPermissionDenied,
              "your administrator does not let users show a device's key again themselves "
              "(allow_self_show = no in /etc/security/pam_totp.conf); contact your "
              "administrator");
}

void SetsPolicyKeys(void**) {
  Config config;
  ExpectOk(
      ParseConfigText("allow_self_enroll = no\n"
                      "allow_self_remove = no\n"
                      "allow_self_show = yes\n"
                      "max_devices = 3\n"
                      "allowed_algorithms = sha1, SHA256\n"
                      "allowed_digits = 6\n"
                      "allowed_periods = 30,60\n",
                      kPath, config));
  assert_false(config.allow_self_enroll);
  assert_false(config.allow_self_remove);
  assert_true(config.allow_self_show);
  assert_int_equal(config.max_devices, 3);
  assert_true((config.allowed_algorithms ==
               std::vector<HashAlgorithm>{HashAlgorithm::kSha1, HashAlgorithm::kSha256}));
  assert_true(config.allowed_digits == std::vector<int>{6});
  assert_true((config.allowed_periods == std::vector<int>{30, 60}));
  ExpectError(CheckSelfAction(config, SelfAction::kEnroll), Status::Code::kPermissionDenied,
              "your administrator does not let users enroll devices or make recovery codes "
              "themselves (allow_self_enroll = no in /etc/security/pam_totp.conf); contact your "
              "administrator");
  ExpectError(CheckSelfAction(config, SelfAction::kRemove), Status::Code::kPermissionDenied,
              "your administrator does not let users remove devices themselves "
              "(allow_self_remove = no in /etc/security/pam_totp.conf); contact your "
              "administrator");
  ExpectOk(CheckSelfAction(config, SelfAction::kShow));
  ExpectOk(CheckDeviceSettings(config, OtpType::kTotp, HashAlgorithm::kSha256, 6, 60));
  ExpectError(CheckDeviceSettings(config, OtpType::kTotp, HashAlgorithm::kSha512, 6, 30),
              Status::Code::kPermissionDenied,
              "algorithm sha512 is not allowed here: the administrator allows sha1 or sha256 "
              "(allowed_algorithms in /etc/security/pam_totp.conf)");
  ExpectError(CheckDeviceSettings(config, OtpType::kTotp, HashAlgorithm::kSha1, 8, 30),
              Status::Code::kPermissionDenied,
              "8 digits is not allowed here: the administrator allows 6 digits (allowed_digits "
              "in /etc/security/pam_totp.conf)");
  ExpectError(CheckDeviceSettings(config, OtpType::kTotp, HashAlgorithm::kSha1, 6, 45),
              Status::Code::kPermissionDenied,
              "a period of 45 seconds is not allowed here: the administrator allows 30 or 60 "
              "seconds (allowed_periods in /etc/security/pam_totp.conf)");
  // An HOTP token has no period.
  ExpectOk(CheckDeviceSettings(config, OtpType::kHotp, HashAlgorithm::kSha1, 6, 45));
}

void RefusesBadPolicyValues(void**) {
  const std::string at = "/etc/security/pam_totp.conf line 1: ";
  ExpectRefused("allow_self_enroll = true\n", at + "allow_self_enroll: must be yes or no");
  ExpectRefused("allow_self_show = YES\n", at + "allow_self_show: must be yes or no");
  ExpectRefused("allow_self_remove =\n", at + "allow_self_remove: must be yes or no");
  for (const char* n : {"0", "33", "-1", "x", ""}) {
    ExpectRefused(std::string("max_devices = ") + n + "\n",
                  at + "max_devices: must be a whole number from 1 to 32");
  }
  for (const char* list : {"md5", "sha1,", "sha1,,sha256", "sha1, sha1", ""}) {
    ExpectRefused(std::string("allowed_algorithms = ") + list + "\n",
                  at + "allowed_algorithms: must list sha1, sha256 or sha512, separated by "
                       "commas, each once");
  }
  for (const char* list : {"5", "9", "6 8", "6,6"}) {
    ExpectRefused(std::string("allowed_digits = ") + list + "\n",
                  at + "allowed_digits: must list 6, 7 or 8, separated by commas, each once");
  }
  for (const char* list : {"0", "3601", "30s"}) {
    ExpectRefused(std::string("allowed_periods = ") + list + "\n",
                  at + "allowed_periods: must list periods in seconds (1 to 3600), separated "
                       "by commas, each once");
  }
  ExpectRefused("max_devices = 2\nmax_devices = 3\n",
                "/etc/security/pam_totp.conf line 2: 'max_devices' is set twice");
}

// The policy restricts the person who runs totpctl; a module argument must not change it.
void PolicyKeysAreForTheFileOnly(void**) {
  Config config;
  for (const char* key :
       {"allow_self_enroll", "allow_self_remove", "allow_self_show", "max_devices",
        "allowed_algorithms", "allowed_digits", "allowed_periods"}) {
    ExpectError(ApplySetting(config, key, "1", "module argument"), Status::Code::kInvalidArgument,
                std::string("module argument: unknown setting '") + key + "'");
  }
}

void SetsLdapKeys(void**) {
  Config config;
  ExpectOk(
      ParseConfigText("store = ldap\n"
                      "ldap_uri = ldap://a.example ldap://b.example:3389\n"
                      "ldap_base = ou=totp,dc=example,dc=com\n"
                      "ldap_bind_dn = cn=host1,ou=hosts,dc=example,dc=com\n"
                      "ldap_bind_password_file = /etc/security/pam_totp.ldap\n"
                      "ldap_ca_file = /etc/ssl/certs/site-ca.pem\n"
                      "ldap_timeout = 3\n",
                      "f", config));
  assert_true(config.UsesLdap());
  assert_int_equal(config.ldap.uris.size(), 2);
  ASSERT_STR_EQ(config.ldap.uris[1], "ldap://b.example:3389");
  ASSERT_STR_EQ(config.ldap.base, "ou=totp,dc=example,dc=com");
  ASSERT_STR_EQ(config.ldap.password_file, "/etc/security/pam_totp.ldap");
  assert_int_equal(config.ldap.timeout, 3);
  assert_true(config.ldap.tls);  // TLS unless switched off
  assert_false(config.ldap.sasl_external);
  Config external;
  ExpectOk(ParseConfigText("ldap_sasl_mech = EXTERNAL\nldap_tls = no\n", "f", external));
  assert_true(external.ldap.sasl_external);
  assert_false(external.ldap.tls);
}

// Like ExpectRefused, for a message that ends in a hint too long to repeat here.
void ExpectRefusedWith(const std::string& text, const std::string& start) {
  Config config;
  Status s = ParseConfigText(text, "f", config);
  assert_int_equal(static_cast<int>(s.code()), static_cast<int>(Status::Code::kInvalidArgument));
  ASSERT_CONTAINS(s.message(), "f " + start);
}

void RefusesBadLdapValues(void**) {
  ExpectRefusedWith("ldap_uri = http://x\n",
                    "line 1: ldap_uri: 'http://x' is not an ldap://, "
                    "ldaps:// or ldapi:// URI");
  ExpectRefusedWith("ldap_uri = ldaps://a ldap://b\n",
                    "line 1: ldap_uri: all URIs must have the same scheme (ldap://, ldaps:// or "
                    "ldapi://)");
  ExpectRefusedWith("ldap_uri =\n", "line 1: ldap_uri: must list 1 to 16 URIs");
  ExpectRefusedWith("ldap_base = example\n", "line 1: ldap_base: must be a distinguished name");
  ExpectRefusedWith("ldap_bind_password_file = secret.txt\n",
                    "line 1: ldap_bind_password_file: must be an absolute path");
  ExpectRefusedWith("ldap_timeout = 0\n", "line 1: ldap_timeout: must be seconds from 1 to 60");
  ExpectRefusedWith("ldap_timeout = 61\n", "line 1: ldap_timeout: must be seconds from 1 to 60");
  ExpectRefusedWith("ldap_sasl_mech = GSSAPI\n",
                    "line 1: ldap_sasl_mech: only EXTERNAL is supported");
  ExpectRefusedWith("ldap_tls = maybe\n", "line 1: ldap_tls: must be yes or no");
  ExpectRefusedWith("ldap_url = ldap://x\n", "line 1: ldap_url: unknown setting");
}

// Which server holds the secrets, and how this host proves who it is, is for the file only.
void LdapKeysAreForTheFileOnly(void**) {
  Config config;
  ExpectError(ApplySetting(config, "ldap_uri", "ldap://evil", "module argument"),
              Status::Code::kInvalidArgument, "module argument: unknown setting 'ldap_uri'");
  ExpectError(ApplySetting(config, "ldap_library", "/tmp/x.so", "module argument"),
              Status::Code::kInvalidArgument, "module argument: unknown setting 'ldap_library'");
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(DefaultsAreTheDocumentedOnes),
      cmocka_unit_test(SetsLdapKeys),
      cmocka_unit_test(RefusesBadLdapValues),
      cmocka_unit_test(LdapKeysAreForTheFileOnly),
      cmocka_unit_test(SetsEveryKey),
      cmocka_unit_test(QuotedValuesKeepTheirSpaces),
      cmocka_unit_test(EmptyTextChangesNothing),
      cmocka_unit_test(RefusesUnknownAndRepeatedKeys),
      cmocka_unit_test(RefusesLinesWithoutEquals),
      cmocka_unit_test(RefusesBadWindows),
      cmocka_unit_test(RefusesBadStorePromptAndIssuer),
      cmocka_unit_test(RefusesNulBytes),
      cmocka_unit_test(ApplySettingNamesItsOrigin),
      cmocka_unit_test(LoadsAFile),
      cmocka_unit_test(MissingFileIsFineUnlessRequired),
      cmocka_unit_test(RefusesSymlink),
      cmocka_unit_test(RefusesGroupOrWorldWritableFile),
      cmocka_unit_test(RefusesDirectoryAndFifo),
      cmocka_unit_test(RefusesOversizeFile),
      cmocka_unit_test(PolicyDefaults),
      cmocka_unit_test(SetsPolicyKeys),
      cmocka_unit_test(RefusesBadPolicyValues),
      cmocka_unit_test(PolicyKeysAreForTheFileOnly),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
