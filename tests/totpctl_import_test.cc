// totpctl import and totpctl recovery-codes, run as built against stores in temporary
// directories. Codes come from oathtool (an independent implementation); google-authenticator
// files come from Debian's own google-authenticator tool; logins go through the real libpam and
// the built pam_totp.so.
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/store.h"
#include "core/verifier.h"
#include "tests/pam_harness.h"

namespace pamtotp::testing {
namespace {

const std::string kData = TEST_DATA_DIR "/import/";
// RFC 4226's key and neighbours, as the fixtures hold them.
constexpr char kKey0[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";  // "12345678901234567890"
constexpr char kHex0[] = "3132333435363738393031323334353637383930";
constexpr char kHex1[] = "3132333435363738393031323334353637383931";
constexpr char kHex2[] = "3132333435363738393031323334353637383932";
constexpr char kHex3[] = "3132333435363738393031323334353637383933";
constexpr std::string_view kUsageHint = "Run 'totpctl --help' for usage.\n";

// A private config and store, and totpctl (run as root) pointed at them. The input files are
// copied in with mode 0600, as real key files are kept.
class Env {
 public:
  Env() { WriteFile(Config(), "", 0644); }
  std::string Config() const { return dir_.File("empty.conf"); }
  std::string Template() const { return dir_.path() + "/%u.totp"; }
  std::string File(const std::string& name) const { return dir_.File(name); }
  std::string Fixture(const std::string& name) const {
    WriteFile(dir_.File(name), ReadFile(kData + name), 0600);
    return dir_.File(name);
  }
  CommandResult Run(const std::string& user, const std::vector<std::string>& args,
                    const std::string& input = "") const {
    std::vector<std::string> argv = {TOTPCTL,    "--config", Config(), "--store",
                                     Template(), "--user",   user};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, input);
  }
  Enrollment Read(const std::string& user) const {
    Result<std::unique_ptr<Store>> store = OpenFileStore(Template());
    assert_true(store.ok());
    Result<Enrollment> e = (*store)->ReadDevices(user);
    if (!e.ok()) fail_msg("%s", e.status().message().c_str());
    return std::move(e).value();
  }
  const Device& Only(const Enrollment& e) const {
    assert_int_equal(e.devices.size(), 1);
    return e.devices[0];
  }
  Verdict Verify(const std::string& user, const std::string& code) const {
    Result<std::unique_ptr<Store>> store = OpenFileStore(Template());
    assert_true(store.ok());
    Result<Outcome> o = VerifyInput(**store, user, code, pamtotp::SystemClock(), pamtotp::Config{});
    if (!o.ok()) fail_msg("%s", o.status().message().c_str());
    return o->verdict;
  }

 private:
  TempDir dir_;
};

std::string Hex(const SecretBytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : bytes.bytes()) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 15]);
  }
  return hex;
}

std::string Oathtool(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {OATHTOOL};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = RunCommand(argv);
  if (r.exit_code != 0) fail_msg("oathtool: %s", r.err.c_str());
  return r.out.substr(0, r.out.find('\n'));
}

std::string HotpCode(const std::string& hex, uint64_t counter, int digits = 6) {
  return Oathtool({"--hotp", "--digits=" + std::to_string(digits),
                   "--counter=" + std::to_string(counter), hex});
}

std::string TotpCode(const std::string& hex, int digits = 6, int period = 30,
                     const std::string& algorithm = "SHA1") {
  return Oathtool({"--totp=" + algorithm, "--digits=" + std::to_string(digits),
                   "--time-step-size=" + std::to_string(period) + "s", hex});
}

void ExpectDevice(const Device& d, const char* name, OtpType type, HashAlgorithm algorithm,
                  int digits, int period_or_counter) {
  ASSERT_STR_EQ(d.name, name);
  assert_int_equal(static_cast<int>(d.type), static_cast<int>(type));
  assert_int_equal(static_cast<int>(d.algorithm), static_cast<int>(algorithm));
  assert_int_equal(d.digits, digits);
  if (type == OtpType::kHotp) {
    assert_int_equal(d.counter, period_or_counter);
  } else {
    assert_int_equal(d.period, period_or_counter);
  }
}

// --- URI and typed keys ----------------------------------------------------------------------

void UriImportKeepsSettingsAndNeverPrintsTheKey(void**) {
  Env env;
  const std::string uri = std::string("otpauth://totp/ACME:alice?secret=") + kKey0 +
                          "&issuer=ACME&algorithm=SHA256&digits=8&period=60";
  CommandResult r = env.Run("alice", {"import", "--uri", uri});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device 'imported' for alice (time-based, SHA256, 8 digits, 60 "
                "seconds).\n");
  ASSERT_STR_EQ(r.err, "");
  Enrollment e = env.Read("alice");
  ExpectDevice(env.Only(e), "imported", OtpType::kTotp, HashAlgorithm::kSha256, 8, 60);
  ASSERT_STR_EQ(Hex(e.devices[0].secret), kHex0);
  AvoidStepBoundary(3, 60);
  assert_int_equal(static_cast<int>(env.Verify("alice", TotpCode(kHex0, 8, 60, "SHA256"))),
                   static_cast<int>(Verdict::kAccepted));
  // The same key again is refused, whatever its name, and nothing changes.
  r = env.Run("alice", {"import", "--uri", uri, "--name", "other"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err,
                "totpctl: the URI: this key is already enrolled for alice as device 'imported'; "
                "nothing was imported\n");
  assert_int_equal(env.Read("alice").devices.size(), 1);
}

void HotpUriFromStandardInput(void**) {
  Env env;
  const std::string uri = std::string("otpauth://hotp/fob?secret=") + kKey0 + "&counter=5";
  CommandResult r = env.Run("bob", {"import", "--uri", "-", "--name", "Fob"}, uri + "\n");
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device 'Fob' for bob (counter-based, SHA1, 6 digits, next "
                "counter 5).\n");
  ExpectDevice(env.Only(env.Read("bob")), "Fob", OtpType::kHotp, HashAlgorithm::kSha1, 6, 5);
  // Counters before 5 were used elsewhere: refused. 5 is accepted.
  assert_int_equal(static_cast<int>(env.Verify("bob", HotpCode(kHex0, 4))),
                   static_cast<int>(Verdict::kWrongCode));
  assert_int_equal(static_cast<int>(env.Verify("bob", HotpCode(kHex0, 5))),
                   static_cast<int>(Verdict::kAccepted));
  CommandResult empty = env.Run("bob", {"import", "--uri", "-"}, "");
  assert_int_equal(empty.exit_code, 1);
  ASSERT_STR_EQ(empty.err, "totpctl: standard input is empty; type or pipe the key into it\n");
  CommandResult no_counter =
      env.Run("bob", {"import", "--uri", std::string("otpauth://hotp/x?secret=") + kKey0});
  ASSERT_STR_EQ(no_counter.err,
                "totpctl: the URI: the hotp URI has no counter= parameter; add the token's next "
                "counter, e.g. &counter=0\n");
}

void Base32AndHexSeedsWithSettings(void**) {
  Env env;
  CommandResult r =
      env.Run("carol", {"import", "--base32", kKey0, "--algorithm", "sha512", "--digits", "8"});
  assert_int_equal(r.exit_code, 0);
  r = env.Run("carol", {"import", "--hex", "-", "--hotp", "--counter", "3"}, std::string(kHex1));
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device 'imported-2' for carol (counter-based, SHA1, 6 digits, "
                "next counter 3).\n");
  Enrollment e = env.Read("carol");
  assert_int_equal(e.devices.size(), 2);
  ExpectDevice(e.devices[0], "imported", OtpType::kTotp, HashAlgorithm::kSha512, 8, 30);
  ExpectDevice(e.devices[1], "imported-2", OtpType::kHotp, HashAlgorithm::kSha1, 6, 3);
  ASSERT_STR_EQ(Hex(e.devices[1].secret), kHex1);
  AvoidStepBoundary();
  assert_int_equal(static_cast<int>(env.Verify("carol", TotpCode(kHex0, 8, 30, "SHA512"))),
                   static_cast<int>(Verdict::kAccepted));
  assert_int_equal(static_cast<int>(env.Verify("carol", HotpCode(kHex1, 3))),
                   static_cast<int>(Verdict::kAccepted));
}

void KeysAndNamesAreChecked(void**) {
  Env env;
  struct Case {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"import", "--hex", "313233343536373839"},
       "totpctl: the hex key: the key is 72 bits; pam_totp needs at least 80 (RFC 4226 asks for "
       "128); nothing was imported\n"},
      {{"import", "--hex", "31323g"},
       "totpctl: the hex key has a character that is not 0-9 or "
       "a-f\n"},
      {{"import", "--hex", "313"}, "totpctl: the hex key has an odd number of digits\n"},
      {{"import", "--base32", "GEZDGNBVGY3TQOJ1"},
       "totpctl: base32 key contains a character that is not A-Z or 2-7\n"},
  };
  for (const Case& c : cases) {
    CommandResult r = env.Run("dave", c.args);
    assert_int_equal(r.exit_code, 1);
    ASSERT_STR_EQ(r.err, c.err);
  }
  struct stat st;
  assert_int_equal(stat(env.File("dave.totp").c_str(), &st), -1);
  // 80 bits exactly is enough.
  CommandResult short_key =
      env.Run("dave", {"import", "--uri", "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ"});
  assert_int_equal(short_key.exit_code, 0);
  // A name taken is refused.
  assert_int_equal(env.Read("dave").devices.size(), 1);
  CommandResult taken = env.Run("dave", {"import", "--hex", kHex2, "--name", "imported"});
  assert_int_equal(taken.exit_code, 1);
  ASSERT_STR_EQ(taken.err,
                "totpctl: the hex key: a device named 'imported' already exists for dave; pick "
                "another --name or remove it first; nothing was imported\n");
}

void UsageErrorsExitTwo(void**) {
  Env env;
  const std::string uri = std::string("otpauth://totp/x?secret=") + kKey0;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"import"},
       "import needs a source: --uri, --base32, --hex, --google-authenticator, "
       "--pam-oath, --csv or --pskc"},
      {{"import", "--uri", uri, "--hex", kHex0},
       "give one source only: --uri, --base32, --hex, --google-authenticator, --pam-oath, "
       "--csv or --pskc"},
      {{"import", "--hex", kHex0, "--hotp"},
       "--hotp needs --counter N (the counter the token shows next; 0 for a new token)"},
      {{"import", "--hex", kHex0, "--counter", "1"}, "--counter goes with --hotp"},
      {{"import", "--hex", kHex0, "--hotp", "--counter", "1", "--period", "60"},
       "--period does not go with --hotp"},
      {{"import", "--hex", kHex0, "--hotp", "--counter", "-1"},
       "--counter must be a whole number from 0 to 2^62"},
      {{"import", "--uri", uri, "--digits", "8"},
       "--digits goes with --base32 or --hex (the source names the settings itself)"},
      {{"import", "--csv", "x.csv", "--map", "m.csv"}, "--map goes with --pskc"},
      {{"import", "--uri", uri, "--all"}, "--all goes with --pam-oath, --csv or --pskc"},
      {{"import", "--csv", "x.csv", "--all", "--name", "n"},
       "--name does not go with --all (name devices in the file)"},
      {{"import", "--csv", "x.csv", "--show"},
       "--show goes with a single device (--uri, --base32, --hex or --google-authenticator)"},
      {{"import", "--uri", uri, "--qr", "ansi"}, "--qr goes with --show"},
      {{"import", "--uri", uri, "--qr-file", "a.png"}, "--qr-file goes with --show"},
      {{"import", "--uri", ""}, "--uri needs a value"},
      {{"list", "--uri", uri}, "--uri does not apply to list"},
      {{"recovery-codes", "--count", "0"}, "--count must be a number from 1 to 32"},
      {{"recovery-codes", "--count", "33"}, "--count must be a number from 1 to 32"},
      {{"recovery-codes", "extra"}, "recovery-codes takes no operand 'extra'"},
  };
  for (const Case& c : cases) {
    CommandResult r = env.Run("erin", c.args);
    assert_int_equal(r.exit_code, 2);
    ASSERT_STR_EQ(r.err, "totpctl: " + c.message + "\n" + std::string(kUsageHint));
  }
  struct stat st;
  assert_int_equal(stat(env.File("erin.totp").c_str(), &st), -1);
}

// --- google-authenticator files --------------------------------------------------------------

// Runs Debian's google-authenticator to write a file; `args` choose TOTP or HOTP.
std::string MakeGoogleAuthenticatorFile(const Env& env, const std::vector<std::string>& args) {
  const char* tool = "/usr/bin/google-authenticator";
  if (access(tool, X_OK) != 0) {
    fail_msg("google-authenticator not installed (apt install libpam-google-authenticator)");
  }
  const std::string path = env.File("google_authenticator");
  unlink(path.c_str());
  std::vector<std::string> argv = {tool, "-f", "-q",         "-C", "-s",
                                   path, "-l", "alice@test", "-i", "Test"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = RunCommand(argv);
  if (r.exit_code != 0) fail_msg("google-authenticator: %s%s", r.out.c_str(), r.err.c_str());
  return path;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

// The whole journey of the issue: a file written by Debian's google-authenticator, imported,
// then used to log in through libpam with an oathtool code and with one of its scratch codes.
void GoogleAuthenticatorFileLogsInWithCodeAndScratchCode(void**) {
  PamFixture pam;
  Env env;
  const std::string file =
      MakeGoogleAuthenticatorFile(env, {"-t", "-d", "-r", "3", "-R", "30", "-w", "3", "-e", "5"});
  const std::vector<std::string> lines = Lines(ReadFile(file));
  assert_int_equal(lines.size(), 10);  // secret, 4 options, 5 scratch codes
  ASSERT_STR_EQ(lines[4], "\" TOTP_AUTH");
  CommandResult r = RunCommand({TOTPCTL, "--config", pam.dir() + "/pam_totp.conf", "--store",
                                pam.store_template(), "--user", "alice", "import",
                                "--google-authenticator", file});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device 'imported' for alice (time-based, SHA1, 6 digits, 30 seconds).\n"
                "Imported 5 scratch codes as alice's recovery codes; each logs in once. Eight "
                "digits are weaker than pam_totp's own codes: make new ones with totpctl "
                "recovery-codes when you can.\n");
  ASSERT_STR_EQ(r.err,
                "Note: the file's RATE_LIMIT (3 logins in 30 seconds) is not carried over: "
                "pam_totp slows down after failures and locks out after max_failures=20.\n");
  ASSERT_LACKS(r.out + r.err, lines[0]);
  ASSERT_LACKS(r.out + r.err, lines[5]);

  AvoidStepBoundary();
  PamRun login = pam.Authenticate("alice", OathtoolTotp(lines[0], std::time(nullptr)));
  assert_int_equal(login.result, PAM_SUCCESS);
  assert_true(LogContains(login.log, "code accepted from device 'imported'"));
  PamRun scratch = pam.Authenticate("alice", lines[7]);
  assert_int_equal(scratch.result, PAM_SUCCESS);
  assert_true(LogContains(scratch.log, "recovery code accepted; 4 left"));
  PamRun again = pam.Authenticate("alice", lines[7]);
  assert_int_equal(again.result, PAM_AUTH_ERR);
  // As a person might type it, with a space.
  PamRun spaced = pam.Authenticate("alice", lines[9].substr(0, 4) + " " + lines[9].substr(4));
  assert_int_equal(spaced.result, PAM_SUCCESS);
  CommandResult list = RunCommand({TOTPCTL, "--config", pam.dir() + "/pam_totp.conf", "--store",
                                   pam.store_template(), "--user", "alice", "list"});
  ASSERT_CONTAINS(list.out, "Recovery codes: 3 of 5 left (made ");
}

void GoogleAuthenticatorHotpFileKeepsItsCounter(void**) {
  PamFixture pam;
  Env env;
  const std::string file = MakeGoogleAuthenticatorFile(env, {"-c", "-w", "5", "-u", "-e", "2"});
  const std::vector<std::string> lines = Lines(ReadFile(file));
  ASSERT_STR_EQ(lines[2], "\" HOTP_COUNTER 1");
  CommandResult r = RunCommand({TOTPCTL, "--config", pam.dir() + "/pam_totp.conf", "--store",
                                pam.store_template(), "--user", "alice", "import",
                                "--google-authenticator", file});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "(counter-based, SHA1, 6 digits, next counter 1).\n");
  ASSERT_STR_EQ(r.err,
                "Note: the file's WINDOW_SIZE 5 accepted the next 5 codes; pam_totp uses "
                "hotp_window=10 (hotp_window= in pam_totp.conf).\n");
  Result<SecretBytes> key = Base32Decode(lines[0]);
  assert_true(key.ok());
  assert_int_equal(pam.Authenticate("alice", HotpCode(Hex(*key), 0)).result, PAM_AUTH_ERR);
  assert_int_equal(pam.Authenticate("alice", HotpCode(Hex(*key), 1)).result, PAM_SUCCESS);
}

void GoogleAuthenticatorFileErrorsNameTheLine(void**) {
  Env env;
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"", "line 1 must hold the base32 secret"},
      {"NOT BASE32 1\n", "line 1: base32 key contains a character that is not A-Z or 2-7"},
      {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" FROBNICATE\n", "line 2: unknown option 'FROBNICATE'"},
      {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" WINDOW_SIZE x\n",
       "line 2: WINDOW_SIZE needs one number from 1 to 100"},
      {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n1234567\n",
       "line 2: not an option (\") and not an 8-digit scratch code"},
      {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" TOTP_AUTH\n\" HOTP_COUNTER 1\n",
       "the file has both TOTP_AUTH and HOTP_COUNTER"},
  };
  const std::string path = env.File("ga");
  for (const Case& c : cases) {
    WriteFile(path, c.text, 0400);
    CommandResult r = env.Run("frank", {"import", "--google-authenticator", path});
    assert_int_equal(r.exit_code, 1);
    ASSERT_STR_EQ(r.err, "totpctl: " + path + ": " + c.message + "\n");
  }
  // STEP_SIZE becomes the period; a file others may read gets a note.
  WriteFile(path, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n\" STEP_SIZE 60\n\" WINDOW_SIZE 17\n", 0644);
  CommandResult r = env.Run("frank", {"import", "--google-authenticator", path});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err, "Note: " + path +
                           " can be read by users other than its owner, so its keys may be known "
                           "to them; give those tokens new keys if that matters.\nNote: the "
                           "file's WINDOW_SIZE 17 accepted codes up to 8 steps either side of "
                           "now; pam_totp uses window=1 for everyone (window= in "
                           "pam_totp.conf).\nNote: the file let a code be used twice; pam_totp "
                           "never accepts a code twice.\n");
  ExpectDevice(env.Only(env.Read("frank")), "imported", OtpType::kTotp, HashAlgorithm::kSha1, 6,
               60);
  assert_false(env.Read("frank").recovery.has_value());
  // A symbolic link is not followed.
  assert_int_equal(symlink(path.c_str(), env.File("link").c_str()), 0);
  r = env.Run("frank", {"import", "--google-authenticator", env.File("link")});
  ASSERT_STR_EQ(r.err,
                "totpctl: " + env.File("link") + " is a symbolic link; name the file itself\n");
}

// --- pam_oath, CSV and PSKC batches ----------------------------------------------------------

void PamOathUsersFileForOneUserOrAll(void**) {
  Env env;
  const std::string file = env.Fixture("users.oath");
  CommandResult one = env.Run("alice", {"import", "--pam-oath", file});
  assert_int_equal(one.exit_code, 0);
  ASSERT_STR_EQ(one.out,
                "Imported device 'imported' for alice (time-based, SHA1, 6 digits, 30 seconds).\n"
                "Imported device 'imported-2' for alice (time-based, SHA1, 6 digits, 30 "
                "seconds).\n");
  struct stat st;
  assert_int_equal(stat(env.File("bob.totp").c_str(), &st), -1);
  CommandResult nobody = env.Run("zed", {"import", "--pam-oath", file});
  ASSERT_STR_EQ(nobody.err,
                "totpctl: " + file + " has no token for zed (--all imports every user's tokens)\n");

  Env all;
  CommandResult r = all.Run("root", {"import", "--all", "--pam-oath", all.Fixture("users.oath")});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.err, "Warning: " + all.File("users.oath") +
                             ": line 4: the PIN of bob is not imported: pam_totp has no PINs "
                             "(the password asked before pam_totp stands in for it).\n");
  ExpectDevice(all.Only(all.Read("bob")), "imported", OtpType::kTotp, HashAlgorithm::kSha1, 8, 60);
  ExpectDevice(all.Only(all.Read("carol")), "imported", OtpType::kHotp, HashAlgorithm::kSha1, 6, 5);
  // dave's line records a used OTP at counter 9: the next one is 10.
  ExpectDevice(all.Only(all.Read("dave")), "imported", OtpType::kHotp, HashAlgorithm::kSha1, 7, 10);
  assert_int_equal(all.Read("alice").devices.size(), 2);
  ASSERT_CONTAINS(all.Run("carol", {"list"}).out, "\nimported  SHA1       6       counter  ");
  assert_int_equal(static_cast<int>(all.Verify("dave", HotpCode(kHex3, 10, 7))),
                   static_cast<int>(Verdict::kAccepted));
  AvoidStepBoundary(3, 60);
  assert_int_equal(static_cast<int>(all.Verify("bob", TotpCode(kHex1, 8, 60))),
                   static_cast<int>(Verdict::kAccepted));
  // Importing again adds nothing for anyone: alice's keys are enrolled already.
  r = all.Run("root", {"import", "--all", "--pam-oath", all.File("users.oath")});
  assert_int_equal(r.exit_code, 1);
  ASSERT_CONTAINS(r.err,
                  "users.oath: line 3: this key is already enrolled for alice as device "
                  "'imported'; nothing was imported\n");
  assert_int_equal(all.Read("carol").devices.size(), 1);
  WriteFile(all.File("bad.oath"), "HOTP/T30 alice - " + std::string(kHex0) + "\nTOTP bob - 00\n");
  r = all.Run("root", {"import", "--all", "--pam-oath", all.File("bad.oath")});
  ASSERT_STR_EQ(r.err, "totpctl: " + all.File("bad.oath") +
                           ": line 2: unknown token type 'TOTP' (pam_oath knows HOTP, HOTP/E, "
                           "HOTP/E/8, HOTP/T30, HOTP/T60/8 and the like)\n");
}

void CsvBatchOfHardwareTokens(void**) {
  Env env;
  CommandResult r = env.Run("root", {"import", "--all", "--csv", env.Fixture("tokens.csv")});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device 'Fob 1' for alice (time-based, SHA1, 6 digits, 30 seconds).\n"
                "Imported device 'imported' for bob (time-based, SHA256, 8 digits, 60 seconds).\n"
                "Imported device 'Counter fob' for carol (counter-based, SHA1, 6 digits, next "
                "counter 7).\n"
                "Imported device 'Counter fob 8' for carol (counter-based, SHA1, 8 digits, next "
                "counter 0).\n");
  Enrollment carol = env.Read("carol");
  ASSERT_STR_EQ(Hex(carol.devices[1].secret), kHex3);
  assert_int_equal(static_cast<int>(env.Verify("carol", HotpCode(kHex2, 7))),
                   static_cast<int>(Verdict::kAccepted));
  struct Case {
    std::string line;
    std::string message;
  } cases[] = {
      {"alice,a,3132333435363738393031323334353637383930,sha1,6",
       "line 1: expected user,name,hexkey[,algorithm,digits,period] or "
       "user,name,hexkey,hotp,counter[,digits]"},
      {"alice,a,3132333435363738393031323334353637383930,md5,6,30",
       "line 1: the fourth field must be sha1, sha256, sha512 or hotp, not 'md5'"},
      {"alice,a,3132333435363738393031323334353637383930,sha1,9,30",
       "line 1: digits must be 6, 7 or 8"},
      {"alice,\"a\",3132333435363738393031323334353637383930",
       "line 1: quoted fields are not supported (no field may contain ',' or '\"')"},
      {"a/b,a,3132333435363738393031323334353637383930",
       "line 1: user: the user name contains '/'"},
  };
  for (const Case& c : cases) {
    WriteFile(env.File("bad.csv"), c.line + "\n");
    r = env.Run("root", {"import", "--all", "--csv", env.File("bad.csv")});
    assert_int_equal(r.exit_code, 1);
    ASSERT_STR_EQ(r.err, "totpctl: " + env.File("bad.csv") + ": " + c.message + "\n");
  }
}

void PskcWithMapUserIdsAndUnassignedTokens(void**) {
  Env env;
  const std::string pskc = env.Fixture("tokens.pskc");
  const std::string map = env.Fixture("map.csv");
  CommandResult r = env.Run("root", {"import", "--all", "--pskc", pskc, "--map", map});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device '987654321' for alice (counter-based, SHA1, 8 digits, next "
                "counter 3).\n"
                "Imported device '987654322' for bob (time-based, SHA256, 6 digits, 60 "
                "seconds).\n");
  ASSERT_STR_EQ(r.err, "Note: " + map + ": serial 555000111 is not in the PSKC file.\nNote: " +
                           "1 token(s) in " + pskc +
                           " have no user and were not imported (give them one with --map).\n");
  // The map won over the file's UserId (mallory).
  struct stat st;
  assert_int_equal(stat(env.File("mallory.totp").c_str(), &st), -1);
  assert_int_equal(static_cast<int>(env.Verify("alice", HotpCode(kHex0, 3, 8))),
                   static_cast<int>(Verdict::kAccepted));
  // One user's tokens only, from the file's UserId.
  Env one;
  r = one.Run("mallory", {"import", "--pskc", one.Fixture("tokens.pskc"), "--json"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "{\"imported\":[{\"user\":\"mallory\",\"name\":\"987654321\",\"id\":\"");
  ASSERT_CONTAINS(r.out,
                  "\"serial\":\"987654321\",\"type\":\"hotp\",\"algorithm\":\"SHA1\","
                  "\"digits\":8,\"counter\":3}],\"recovery_codes\":0}\n");
}

void PskcRefusesEncryptedKeysAndDtds(void**) {
  Env env;
  const std::string head =
      "<?xml version=\"1.0\"?>\n<pskc:KeyContainer Version=\"1.0\" "
      "xmlns:pskc=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n<pskc:KeyPackage><pskc:DeviceInfo>"
      "<pskc:SerialNo>42</pskc:SerialNo></pskc:DeviceInfo>\n<pskc:Key "
      "Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\"><pskc:Data><pskc:Secret>";
  const std::string tail =
      "</pskc:Secret></pskc:Data><pskc:UserId>alice</pskc:UserId></pskc:Key>"
      "</pskc:KeyPackage>\n</pskc:KeyContainer>\n";
  // The file with a plain key and this serial number.
  auto serial = [&](const std::string& number) {
    std::string text =
        head + "<pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</pskc:PlainValue>" + tail;
    return text.replace(text.find(">42<") + 1, 2, number);
  };
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {head + "<pskc:EncryptedValue><xenc:CipherData/></pskc:EncryptedValue>" + tail,
       "token 42: the Secret is encrypted (EncryptedValue); pam_totp reads plain keys only: ask "
       "the vendor for a file with PlainValue keys, or decrypt this one first"},
      {"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<KeyContainer/>",
       "XML line 2: a DTD or other declaration (not allowed)"},
      {head + "<pskc:PlainValue>MTIz&amp;</pskc:PlainValue>" + tail,
       "token 42: the Secret holds an XML entity; write it as plain base64"},
      {head + "<pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA</pskc:PlainValue>" + tail,
       "token 42: Secret: the base64 value is malformed"},
      {head + "<pskc:PlainValue>x</pskc:PlainValue>", "XML line 4: <pskc:Secret> is not closed"},
      {head + "<pskc:PlainValue>x</pskc:Plain>",
       "XML line 4: </...> does not match <pskc:PlainValue>"},
      // Entities with nothing, or no digits, between '&' and ';' (the first was found by
      // fuzz_import_formats: it threw out of the parser).
      {serial("4&;2"), "KeyPackage 1: XML: unknown entity '&;'"},
      {serial("4&#;2"), "KeyPackage 1: XML: unknown entity '&#;'"},
      {serial("4&#x;2"), "KeyPackage 1: XML: unknown entity '&#x;'"},
      {serial("4&x;2"), "KeyPackage 1: XML: unknown entity '&x;'"},
      {"<KeyContainer xmlns=\"urn:example\"/>",
       "not a PSKC file: <KeyContainer> is not in the namespace "
       "urn:ietf:params:xml:ns:keyprov:pskc"},
  };
  for (const Case& c : cases) {
    WriteFile(env.File("x.pskc"), c.text);
    CommandResult r = env.Run("alice", {"import", "--pskc", env.File("x.pskc")});
    assert_int_equal(r.exit_code, 1);
    ASSERT_STR_EQ(r.err, "totpctl: " + env.File("x.pskc") + ": " + c.message + "\n");
  }
  // The same file with a plain key, under a namespace prefix, imports.
  WriteFile(env.File("x.pskc"),
            head + "<pskc:PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</pskc:PlainValue>" + tail);
  CommandResult r = env.Run("alice", {"import", "--pskc", env.File("x.pskc")});
  assert_int_equal(r.exit_code, 0);
  ExpectDevice(env.Only(env.Read("alice")), "42", OtpType::kHotp, HashAlgorithm::kSha1, 6, 0);
}

void ShowPrintsTheKeyOnlyWhenAsked(void**) {
  Env env;
  CommandResult r =
      env.Run("gina", {"import", "--hex", kHex0, "--show", "--qr", "none", "--issuer", "Corp"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.out,
                "Imported device 'imported' for gina (time-based, SHA1, 6 digits, 30 seconds).\n"
                "Add this account to your authenticator app:\n"
                "  Key:       GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ\n"
                "  URI:       otpauth://totp/Corp:gina?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                "&issuer=Corp\n"
                "  Issuer:    Corp\n  Account:   gina\n"
                "  Settings:  time-based, SHA1, 6 digits, 30 seconds\n\n");
}

// --- recovery-codes ------------------------------------------------------------------------

void RecoveryCodesAreShownOnceAndReplaceTheOldSet(void**) {
  Env env;
  CommandResult none = env.Run("hank", {"recovery-codes"});
  assert_int_equal(none.exit_code, 1);
  ASSERT_STR_EQ(none.err,
                "totpctl: hank has no devices enrolled; enroll one first (recovery codes stand in "
                "for a lost device, they do not replace one)\n");
  assert_int_equal(env.Run("hank", {"import", "--hex", kHex0}).exit_code, 0);
  CommandResult r = env.Run("hank", {"recovery-codes"});
  assert_int_equal(r.exit_code, 0);
  std::vector<std::string> lines = Lines(r.out);
  assert_int_equal(lines.size(), 15);
  ASSERT_STR_EQ(lines[0],
                "New recovery codes for hank. Each one logs in once, in place of a "
                "code from your app:");
  std::vector<std::string> codes;
  for (size_t i = 2; i < 12; ++i) {
    const std::string& line = lines[i];
    assert_int_equal(line.size(), 16);
    assert_true(line.substr(0, 2) == "  " && line[6] == '-' && line[11] == '-');
    codes.push_back(line.substr(2));
  }
  ASSERT_STR_EQ(lines[13],
                "Store them somewhere safe now (on paper, or in a password "
                "manager): they are not shown again.");
  // Only hashes are stored.
  ASSERT_LACKS(ReadFile(env.File("hank.totp")), codes[0]);
  ASSERT_LACKS(ReadFile(env.File("hank.totp")), codes[0].substr(0, 4) + codes[0].substr(5, 4));
  assert_int_equal(static_cast<int>(env.Verify("hank", codes[3])),
                   static_cast<int>(Verdict::kRecoveryAccepted));
  ASSERT_CONTAINS(env.Run("hank", {"list"}).out, "Recovery codes: 9 of 10 left (made ");
  ASSERT_CONTAINS(env.Run("hank", {"list", "--json"}).out,
                  ",\"recovery_codes\":{\"left\":9,\"total\":10,\"created\":");
  // A new set voids the old one.
  CommandResult json = env.Run("hank", {"recovery-codes", "--count", "2", "--json"});
  assert_int_equal(json.exit_code, 0);
  ASSERT_CONTAINS(json.out, "{\"user\":\"hank\",\"created\":");
  ASSERT_CONTAINS(json.out, "\"codes\":[\"");
  assert_int_equal(static_cast<int>(env.Verify("hank", codes[4])),
                   static_cast<int>(Verdict::kWrongCode));
  ASSERT_CONTAINS(env.Run("hank", {"list"}).out, "Recovery codes: 2 of 2 left (made ");
  const std::string first = json.out.substr(json.out.find("[\"") + 2, 14);
  assert_int_equal(static_cast<int>(env.Verify("hank", first)),
                   static_cast<int>(Verdict::kRecoveryAccepted));
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(UriImportKeepsSettingsAndNeverPrintsTheKey),
      cmocka_unit_test(HotpUriFromStandardInput),
      cmocka_unit_test(Base32AndHexSeedsWithSettings),
      cmocka_unit_test(KeysAndNamesAreChecked),
      cmocka_unit_test(UsageErrorsExitTwo),
      cmocka_unit_test(GoogleAuthenticatorFileLogsInWithCodeAndScratchCode),
      cmocka_unit_test(GoogleAuthenticatorHotpFileKeepsItsCounter),
      cmocka_unit_test(GoogleAuthenticatorFileErrorsNameTheLine),
      cmocka_unit_test(PamOathUsersFileForOneUserOrAll),
      cmocka_unit_test(CsvBatchOfHardwareTokens),
      cmocka_unit_test(PskcWithMapUserIdsAndUnassignedTokens),
      cmocka_unit_test(PskcRefusesEncryptedKeysAndDtds),
      cmocka_unit_test(ShowPrintsTheKeyOnlyWhenAsked),
      cmocka_unit_test(RecoveryCodesAreShownOnceAndReplaceTheOldSet),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
