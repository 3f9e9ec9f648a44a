// pam_totp.conf: every key, the exact messages for mistakes, and the file checks that keep a
// writable or redirected config from weakening a security setting.
#include "core/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

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

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(DefaultsAreTheDocumentedOnes),
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
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
