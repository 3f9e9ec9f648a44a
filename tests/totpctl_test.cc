// totpctl as a user runs it: the built binary against a store in a temporary directory, with a
// configuration file of our own so the machine's /etc is never read. Codes are computed by
// oathtool (an independent implementation); the store is then inspected through core.
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base32.h"
#include "core/otp.h"
#include "core/store.h"
#include "core/verifier.h"
#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

constexpr std::string_view kUsageHint = "Run 'totpctl --help' for usage.\n";
constexpr std::string_view kPrompt = "Enter the code your app shows now: ";

std::string CurrentUser() {
  struct passwd* pw = getpwuid(getuid());
  if (pw == nullptr) throw std::runtime_error("the test's uid has no passwd entry");
  return pw->pw_name;
}

std::string HostName() {
  char host[HOST_NAME_MAX + 1] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

// A private config file and store directory, and totpctl pointed at them.
class Env {
 public:
  Env() { WriteFile(Config(), "", 0644); }
  std::string Config() const { return dir_.File("empty.conf"); }
  std::string Template() const { return dir_.path() + "/%u.totp"; }
  std::string StoreFile(const std::string& user) const { return dir_.File(user + ".totp"); }
  const TempDir& dir() const { return dir_; }

  std::vector<std::string> Argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {TOTPCTL, "--config", Config(), "--store", Template()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  CommandResult Run(const std::vector<std::string>& args, const std::string& input = "") const {
    return RunCommand(Argv(args), input);
  }
  std::vector<Device> Devices(const std::string& user) const {
    Result<std::unique_ptr<Store>> store = OpenFileStore(Template());
    assert_true(store.ok());
    Result<Enrollment> devices = (*store)->ReadDevices(user);
    if (!devices.ok()) print_error("%s\n", devices.status().message().c_str());
    assert_true(devices.ok());
    return std::move(devices->devices);
  }

 private:
  TempDir dir_;
};

// The value of a top-level member of a one-line JSON object: strings unescaped, anything else
// as written. Enough JSON for checking totpctl's output; fails the test on anything odd.
std::string JsonField(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\":";
  size_t at = json.find(marker);
  if (at == std::string::npos) {
    print_error("no member \"%s\" in %s\n", key.c_str(), json.c_str());
    fail();
  }
  size_t i = at + marker.size();
  if (json[i] != '"') return json.substr(i, json.find_first_of(",}", i) - i);
  std::string value;
  for (++i; i < json.size() && json[i] != '"'; ++i) {
    if (json[i] != '\\') {
      value.push_back(json[i]);
      continue;
    }
    char e = json[++i];
    if (e == 'n') {
      value.push_back('\n');
    } else if (e == 't') {
      value.push_back('\t');
    } else if (e == 'u') {
      unsigned cp = static_cast<unsigned>(std::stoul(json.substr(i + 1, 4), nullptr, 16));
      i += 4;
      if (cp < 0x80) {
        value.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        value.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        value.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        value.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        value.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        value.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      value.push_back(e);  // \" \\ \/
    }
  }
  return value;
}

// The rest of the line in `text` that begins with `prefix`; fails the test if there is none.
std::string LineAfter(const std::string& text, const std::string& prefix) {
  size_t at = text.rfind(prefix, 0) == 0 ? 0 : text.find("\n" + prefix);
  if (at == std::string::npos)
    fail_msg("no line starting '%s' in:\n%s", prefix.c_str(), text.c_str());
  at = text.find(prefix, at) + prefix.size();
  return text.substr(at, text.find('\n', at) - at);
}

// `text` with every run of digits turned into one '9' and every run of spaces into one space,
// so lines holding times and padding can be compared exactly.
std::string Shape(const std::string& text) {
  std::string shape;
  for (char c : text) {
    const char k = (c >= '0' && c <= '9') ? '9' : c;
    if ((k == '9' || k == ' ') && !shape.empty() && shape.back() == k) continue;
    shape.push_back(k);
  }
  return shape;
}

bool IsMadeOf(const std::string& text, std::string_view alphabet, size_t length) {
  return text.size() == length && text.find_first_not_of(alphabet) == std::string::npos;
}

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

SecretBytes DecodeKey(const std::string& base32) {
  Result<SecretBytes> key = Base32Decode(base32);
  assert_true(key.ok());
  return std::move(key).value();
}

std::string OurCode(const SecretBytes& key, int64_t at, HashAlgorithm algorithm, int digits,
                    int period) {
  Result<uint64_t> step = TimeStep(at, period);
  assert_true(step.ok());
  Result<uint32_t> value = Hotp(key, *step, algorithm, digits);
  assert_true(value.ok());
  return std::string(FormatCode(*value, digits).view());
}

// The verdict VerifyInput gives `code` now: used to prove the enrollment code was burned.
Verdict VerdictFor(const Env& env, const std::string& user, const std::string& code) {
  Result<std::unique_ptr<Store>> store = OpenFileStore(env.Template());
  assert_true(store.ok());
  Result<Outcome> outcome = VerifyInput(**store, user, code, pamtotp::SystemClock(), Config{});
  assert_true(outcome.ok());
  return outcome->verdict;
}

void AssertNoStoreFiles(const Env& env, const std::string& user) {
  struct stat st;
  assert_int_equal(stat(env.StoreFile(user).c_str(), &st), -1);
  assert_int_equal(stat((env.StoreFile(user) + ".state").c_str(), &st), -1);
}

// Enrolls with confirmation, answering with the code oathtool computes from the printed key.
CommandResult EnrollConfirmed(const Env& env, const std::vector<std::string>& args,
                              std::string& code, const std::string& algorithm = "SHA1",
                              int digits = 6, int period = 30) {
  AvoidStepBoundary(4, period);
  return RunAnswering(env.Argv(args), [&](const std::string& json) {
    code = OathtoolTotp(JsonField(json, "secret"), std::time(nullptr), digits, period, algorithm);
    return code + "\n";
  });
}

// --- enroll ------------------------------------------------------------------------------

void EnrollJsonWithoutConfirmation(void**) {
  Env env;
  const std::string user = CurrentUser();
  const int64_t before = std::time(nullptr);
  CommandResult r = env.Run({"enroll", "--no-confirm", "--json"});
  const int64_t after = std::time(nullptr);
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err,
                "Saved device 'device' for " + user + " without checking a code from the app.\n");
  assert_int_equal(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  ASSERT_STR_EQ(JsonField(r.out, "user"), user);
  ASSERT_STR_EQ(JsonField(r.out, "name"), "device");
  ASSERT_STR_EQ(JsonField(r.out, "algorithm"), "SHA1");
  ASSERT_STR_EQ(JsonField(r.out, "digits"), "6");
  ASSERT_STR_EQ(JsonField(r.out, "period"), "30");
  const int64_t created = std::stoll(JsonField(r.out, "created"));
  assert_in_range(created, before, after);
  const std::string id = JsonField(r.out, "id");
  assert_true(IsMadeOf(id, "0123456789abcdef", 16));
  const std::string secret = JsonField(r.out, "secret");
  assert_true(IsMadeOf(secret, kBase32, 32));
  const std::string issuer = HostName();
  ASSERT_STR_EQ(JsonField(r.out, "uri"), "otpauth://totp/" + issuer + ":" + user +
                                             "?secret=" + secret + "&issuer=" + issuer);

  // The key is 160 bits, oathtool reads it as we do, and the store holds exactly it.
  SecretBytes key = DecodeKey(secret);
  assert_int_equal(key.size(), 20);
  const int64_t at = 1234567890;
  ASSERT_STR_EQ(OathtoolTotp(secret, at), OurCode(key, at, HashAlgorithm::kSha1, 6, 30));
  std::vector<Device> devices = env.Devices(user);
  assert_int_equal(devices.size(), 1);
  ASSERT_STR_EQ(devices[0].id, id);
  ASSERT_STR_EQ(devices[0].name, "device");
  assert_true(ConstantTimeEquals(devices[0].secret.view(), key.view()));
  assert_int_equal(devices[0].created, created);
}

void EnrollConfirmedWithOathtoolCodeSavesAndBurnsIt(void**) {
  Env env;
  const std::string user = CurrentUser();
  std::string code;
  CommandResult r = EnrollConfirmed(env, {"enroll", "--json", "--name", "phone"}, code);
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(r.err, std::string(kPrompt) + "\nEnrolled device 'phone' for " + user + ".\n");
  std::vector<Device> devices = env.Devices(user);
  assert_int_equal(devices.size(), 1);
  ASSERT_STR_EQ(devices[0].name, "phone");
  // The code typed at enrollment must not also open a login.
  assert_int_equal(VerdictFor(env, user, code), Verdict::kReplayed);
  CommandResult list = env.Run({"list"});
  assert_int_equal(list.exit_code, 0);
  ASSERT_LACKS(list.out, "never");
}

// --label names the account in the app; the device still belongs to the user.
void EnrollLabelNamesTheAccountInTheApp(void**) {
  Env env;
  const std::string user = CurrentUser();
  CommandResult r =
      env.Run({"enroll", "--no-confirm", "--json", "--qr", "none", "--label", "ops@example.org"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(JsonField(r.out, "user"), user);
  ASSERT_CONTAINS(JsonField(r.out, "uri"),
                  "otpauth://totp/" + HostName() + ":ops%40example.org?secret=");
  CommandResult bad = env.Run({"enroll", "--no-confirm", "--label", "a:b"});
  assert_int_equal(bad.exit_code, 2);
  ASSERT_CONTAINS(bad.err, "--label: 1-100 characters without ':'");
}

void EnrollNonDefaultSettingsPutThemInTheUri(void**) {
  Env env;
  const std::string user = CurrentUser();
  std::string code;
  CommandResult r = EnrollConfirmed(
      env, {"enroll", "--json", "--algorithm", "sha256", "--digits", "8", "--period", "60"}, code,
      "SHA256", 8, 60);
  assert_int_equal(r.exit_code, 0);
  const std::string secret = JsonField(r.out, "secret");
  assert_int_equal(DecodeKey(secret).size(), 32);
  ASSERT_STR_EQ(JsonField(r.out, "algorithm"), "SHA256");
  ASSERT_STR_EQ(JsonField(r.out, "digits"), "8");
  ASSERT_STR_EQ(JsonField(r.out, "period"), "60");
  const std::string uri = JsonField(r.out, "uri");
  ASSERT_CONTAINS(
      uri, "?secret=" + secret + "&issuer=" + HostName() + "&algorithm=SHA256&digits=8&period=60");
  ASSERT_CONTAINS(r.err,
                  "Warning: Microsoft Authenticator, Authy and Google Authenticator for "
                  "Android before late 2023 ignore SHA256 and show wrong codes; the code you "
                  "type next shows whether your app got it right.");
  ASSERT_CONTAINS(r.err,
                  "Warning: Microsoft Authenticator and Google Authenticator for Android "
                  "before mid-2023 ignore digits=8 and show 6-digit codes;");
  ASSERT_CONTAINS(r.err,
                  "Warning: Google Authenticator for Android, Microsoft Authenticator and "
                  "Authy ignore period=60 and show a new code every 30 seconds;");
  assert_int_equal(code.size(), 8);
  assert_int_equal(VerdictFor(env, user, code), Verdict::kReplayed);
  std::vector<Device> devices = env.Devices(user);
  assert_int_equal(devices.size(), 1);
  assert_true(devices[0].algorithm == HashAlgorithm::kSha256);
  assert_int_equal(devices[0].digits, 8);
  assert_int_equal(devices[0].period, 60);
}

void EnrollSha512OnlyNamesTheAlgorithm(void**) {
  Env env;
  CommandResult r = env.Run({"enroll", "--no-confirm", "--json", "--algorithm", "SHA512"});
  assert_int_equal(r.exit_code, 0);
  const std::string uri = JsonField(r.out, "uri");
  assert_int_equal(DecodeKey(JsonField(r.out, "secret")).size(), 64);
  ASSERT_CONTAINS(uri, "&algorithm=SHA512");
  ASSERT_LACKS(uri, "digits=");
  ASSERT_LACKS(uri, "period=");
  ASSERT_CONTAINS(r.err,
                  "ignore SHA512 and show wrong codes; check a code from your app before "
                  "relying on this device.");
  // Defaults produce no warning and no parameters.
  CommandResult plain = env.Run({"enroll", "--no-confirm", "--json"});
  ASSERT_LACKS(plain.err, "Warning");
  ASSERT_LACKS(JsonField(plain.out, "uri"), "algorithm=");
}

void WrongCodeOnAPipeSavesNothing(void**) {
  Env env;
  const std::string user = CurrentUser();
  std::string right;
  AvoidStepBoundary(4);
  CommandResult r = RunAnswering(env.Argv({"enroll", "--json"}), [&](const std::string& json) {
    const std::string secret = JsonField(json, "secret");
    const int64_t now = std::time(nullptr);
    std::vector<std::string> valid;
    for (int64_t t : {now - 30, now, now + 30}) valid.push_back(OathtoolTotp(secret, t));
    std::string wrong = "000000";
    while (std::find(valid.begin(), valid.end(), wrong) != valid.end()) wrong[5]++;
    right = valid[1];
    // Only one try when not on a terminal: the right code on the next line is never read.
    return wrong + "\n" + right + "\n";
  });
  assert_int_equal(r.exit_code, 3);
  ASSERT_STR_EQ(r.err, std::string(kPrompt) +
                           "\nThat code does not match.\n"
                           "totpctl: enrollment cancelled; nothing was saved\n");
  AssertNoStoreFiles(env, user);
}

void EndOfInputOrGarbageSavesNothing(void**) {
  Env env;
  const std::string user = CurrentUser();
  CommandResult eof = env.Run({"enroll", "--qr", "none"});
  assert_int_equal(eof.exit_code, 3);
  ASSERT_STR_EQ(eof.err,
                std::string(kPrompt) + "\ntotpctl: enrollment cancelled; nothing was saved\n");
  CommandResult letters = env.Run({"enroll", "--json"}, "12345x\n");
  assert_int_equal(letters.exit_code, 3);
  ASSERT_STR_EQ(letters.err, std::string(kPrompt) +
                                 "\nThat is not a code: the code must be digits only.\n"
                                 "totpctl: enrollment cancelled; nothing was saved\n");
  AssertNoStoreFiles(env, user);
}

void AppThatIgnoresSettingsIsDiagnosed(void**) {
  Env env;
  const std::string user = CurrentUser();
  AvoidStepBoundary(4, 60);
  CommandResult r = RunAnswering(
      env.Argv({"enroll", "--json", "--algorithm", "sha256", "--digits", "8", "--period", "60"}),
      [](const std::string& json) {
        // What Microsoft Authenticator shows: SHA1, 6 digits, 30 s, whatever the URI says.
        return OathtoolTotp(JsonField(json, "secret"), std::time(nullptr)) + "\n";
      });
  assert_int_equal(r.exit_code, 3);
  ASSERT_CONTAINS(r.err,
                  "That code does not match.\nYour app ignored SHA256, 8 digits and 60 "
                  "seconds: what you typed is the SHA1, 6-digit, 30-second code for this "
                  "key.");
  AssertNoStoreFiles(env, user);
}

void DefaultNamesTakeTheFirstFreeOne(void**) {
  Env env;
  auto enroll = [&] {
    CommandResult r = env.Run({"enroll", "--no-confirm", "--json"});
    assert_int_equal(r.exit_code, 0);
    return JsonField(r.out, "name");
  };
  ASSERT_STR_EQ(enroll(), "device");
  ASSERT_STR_EQ(enroll(), "device-2");
  ASSERT_STR_EQ(enroll(), "device-3");
  assert_int_equal(env.Run({"remove", "device-2", "--yes"}).exit_code, 0);
  ASSERT_STR_EQ(enroll(), "device-2");
  assert_int_equal(env.Run({"remove", "device", "--yes"}).exit_code, 0);
  ASSERT_STR_EQ(enroll(), "device");
}

void TakenNameIsRefusedBeforeAnythingIsShown(void**) {
  Env env;
  const std::string user = CurrentUser();
  assert_int_equal(env.Run({"enroll", "--no-confirm", "--name", "phone"}).exit_code, 0);
  CommandResult r = env.Run({"enroll", "--name", "phone"}, "123456\n");
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err, "totpctl: a device named 'phone' already exists for " + user +
                           "; pick another --name or remove it first\n");
  assert_int_equal(env.Devices(user).size(), 1);
}

void ThirtyThirdDeviceIsRefused(void**) {
  Env env;
  const std::string user = CurrentUser();
  for (size_t i = 0; i < kMaxDevices; ++i) {
    assert_int_equal(env.Run({"enroll", "--no-confirm", "--qr", "none"}).exit_code, 0);
  }
  CommandResult r = env.Run({"enroll", "--no-confirm", "--name", "one-too-many"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.out, "");
  ASSERT_STR_EQ(r.err, "totpctl: " + user +
                           " already has 32 devices, the most allowed; remove "
                           "one first\n");
  assert_int_equal(env.Devices(user).size(), kMaxDevices);
}

void TextOutputShowsQrKeyUriAndSettings(void**) {
  Env env;
  CommandResult r = env.Run({"enroll", "--no-confirm", "--issuer", "Example Corp"});
  assert_int_equal(r.exit_code, 0);
  const std::string grouped = LineAfter(r.out, "  Key:       ");
  assert_int_equal(grouped.size(), 39);  // 32 characters in groups of 4
  for (size_t i = 4; i < grouped.size(); i += 5) assert_int_equal(grouped[i], ' ');
  std::string compact = grouped;
  compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
  assert_true(IsMadeOf(compact, kBase32, 32));
  assert_int_equal(DecodeKey(compact).size(), 20);
  ASSERT_CONTAINS(r.out, "\n  URI:       otpauth://totp/Example%20Corp:" + CurrentUser() +
                             "?secret=" + compact + "&issuer=Example%20Corp\n");
  ASSERT_CONTAINS(r.out, "\n  Settings:  time-based, SHA1, 6 digits, 30 seconds\n");
  ASSERT_CONTAINS(r.out, "Scan this QR code with your authenticator app:\n");

  CommandResult none = env.Run({"enroll", "--no-confirm", "--qr", "none"});
  assert_int_equal(none.exit_code, 0);
  ASSERT_LACKS(none.out, "\u2588");
  ASSERT_LACKS(none.out, "Scan");
  ASSERT_CONTAINS(none.out, "  Key:       ");
}

// The QR drawing in totpctl's text output read back into modules: [y][x], true = light,
// quiet zone included. Each text line holds two rows; a blank glyph half is a dark module.
std::vector<std::vector<bool>> ReadQrDrawing(const std::string& out) {
  const std::string start = "Scan this QR code with your authenticator app:\n\n";
  const size_t found = out.find(start);
  const size_t end = out.find("\nOr add the account by hand:\n");
  assert_true(found != std::string::npos && end != std::string::npos);
  std::vector<std::vector<bool>> light;
  for (size_t pos = found + start.size(); pos < end; ++pos) {  // ++pos skips the '\n'
    std::vector<bool> top, bottom;
    while (out[pos] != '\n') {
      const std::string_view glyph = std::string_view(out).substr(pos, out[pos] == ' ' ? 1 : 3);
      if (glyph != " " && glyph != "\u2588" && glyph != "\u2580" && glyph != "\u2584") {
        fail_msg("unexpected byte in the QR drawing at %zu", pos);
      }
      top.push_back(glyph == "\u2588" || glyph == "\u2580");
      bottom.push_back(glyph == "\u2588" || glyph == "\u2584");
      pos += glyph.size();
    }
    light.push_back(top);
    light.push_back(bottom);
  }
  assert_false(light.empty());
  return light;
}

// Checks what every QR symbol has: a light quiet zone, three finder patterns and two timing
// lines. This pins the geometry and the colours (dark modules blank, light ones drawn).
void QrDrawingIsAWellFormedSymbol(void**) {
  Env env;
  CommandResult r = env.Run({"enroll", "--no-confirm"});
  assert_int_equal(r.exit_code, 0);
  const std::vector<std::vector<bool>> light = ReadQrDrawing(r.out);
  const size_t full = light.front().size();  // symbol width + 2 * 2 quiet modules
  for (const auto& row : light) assert_int_equal(row.size(), full);
  assert_int_equal(light.size(), full + full % 2);
  if (full % 2 == 1) {  // the lower half of the last line lies outside the quiet zone
    for (bool module : light.back()) assert_false(module);
  }
  const size_t width = full - 4;
  assert_true(width >= 21 && (width - 21) % 4 == 0);
  for (size_t i = 0; i < full; ++i) {
    for (size_t q : {size_t{0}, size_t{1}, full - 2, full - 1}) {
      assert_true(light[q][i]);
      assert_true(light[i][q]);
    }
  }
  auto dark = [&](size_t x, size_t y) { return !light[y + 2][x + 2]; };
  const size_t corners[3][2] = {{0, 0}, {width - 7, 0}, {0, width - 7}};
  for (const auto& corner : corners) {
    for (size_t dy = 0; dy < 7; ++dy) {
      for (size_t dx = 0; dx < 7; ++dx) {
        const size_t ring = std::max(dx > 3 ? dx - 3 : 3 - dx, dy > 3 ? dy - 3 : 3 - dy);
        assert_int_equal(dark(corner[0] + dx, corner[1] + dy), ring != 2);
      }
    }
  }
  for (size_t i = 8; i < width - 8; ++i) {
    assert_int_equal(dark(i, 6), i % 2 == 0);
    assert_int_equal(dark(6, i), i % 2 == 0);
  }
}

// The real proof: a QR decoder reads the URI back from the drawing. zbarimg comes from
// Debian's zbar-tools, which scripts/install-deps installs; without it the test fails.
void QrDrawingDecodesToTheUri(void**) {
  const char* zbarimg = "/usr/bin/zbarimg";
  if (access(zbarimg, X_OK) != 0) fail_msg("zbarimg not installed (apt install zbar-tools)");
  Env env;
  CommandResult r = env.Run({"enroll", "--no-confirm", "--algorithm", "sha512", "--issuer",
                             "Example Corp", "--name", "qr"});
  assert_int_equal(r.exit_code, 0);
  const std::vector<std::vector<bool>> light = ReadQrDrawing(r.out);
  // A grey map with 4 pixels per module and a wider white margin, as a camera would see it.
  constexpr size_t kScale = 4, kMargin = 4;
  const size_t width = light.front().size(), height = light.size();
  std::string pgm = "P5 " + std::to_string((width + 2 * kMargin) * kScale) + " " +
                    std::to_string((height + 2 * kMargin) * kScale) + " 255\n";
  for (size_t y = 0; y < height + 2 * kMargin; ++y) {
    std::string line;
    for (size_t x = 0; x < width + 2 * kMargin; ++x) {
      const bool inside =
          x >= kMargin && y >= kMargin && x - kMargin < width && y - kMargin < height;
      const bool white = !inside || light[y - kMargin][x - kMargin];
      line.append(kScale, white ? '\xff' : '\0');
    }
    for (size_t i = 0; i < kScale; ++i) pgm += line;
  }
  WriteFile(env.dir().File("qr.pgm"), pgm);
  CommandResult decoded = RunCommand({zbarimg, "-q", "--raw", env.dir().File("qr.pgm")});
  assert_int_equal(decoded.exit_code, 0);
  ASSERT_STR_EQ(decoded.out, LineAfter(r.out, "  URI:       ") + "\n");
  ASSERT_CONTAINS(decoded.out, "&algorithm=SHA512");
}

// --- list ----------------------------------------------------------------------------------

void ListWithoutDevices(void**) {
  Env env;
  const std::string user = CurrentUser();
  CommandResult text = env.Run({"list"});
  assert_int_equal(text.exit_code, 0);
  ASSERT_STR_EQ(text.out, user + " has no devices enrolled.\n");
  CommandResult json = env.Run({"list", "--json"});
  assert_int_equal(json.exit_code, 0);
  ASSERT_STR_EQ(json.out, "{\"user\":\"" + user + "\",\"devices\":[]}\n");
  AssertNoStoreFiles(env, user);
}

void ListShowsNamesAndSettingsButNeverSecrets(void**) {
  Env env;
  const std::string odd_name = "Bob's \"work\" \\ phone \xc3\xbc";  // quote, backslash, UTF-8
  CommandResult a = env.Run({"enroll", "--no-confirm", "--json", "--name", odd_name});
  assert_int_equal(a.exit_code, 0);
  ASSERT_STR_EQ(JsonField(a.out, "name"), odd_name);
  CommandResult b = env.Run({"enroll", "--no-confirm", "--json", "--name", "tablet", "--algorithm",
                             "sha512", "--digits", "8", "--period", "60"});
  assert_int_equal(b.exit_code, 0);
  const std::vector<std::string> secrets = {JsonField(a.out, "secret"), JsonField(b.out, "secret")};

  CommandResult text = env.Run({"list"});
  assert_int_equal(text.exit_code, 0);
  assert_true(text.out.rfind("NAME  ", 0) == 0);
  ASSERT_CONTAINS(text.out, "ALGORITHM  DIGITS  PERIOD  CREATED (UTC)     LAST USED (UTC)\n");
  ASSERT_CONTAINS(text.out, odd_name + "  SHA1       6       30 s    ");
  ASSERT_STR_EQ(Shape(LineAfter(text.out, "tablet ")), " SHA9 9 9 s 9-9-9 9:9 never");

  CommandResult json = env.Run({"list", "--json"});
  assert_int_equal(json.exit_code, 0);
  ASSERT_CONTAINS(json.out, "{\"user\":\"" + CurrentUser() + "\",\"devices\":[{\"name\":");
  ASSERT_CONTAINS(json.out, "\"name\":\"Bob's \\\"work\\\" \\\\ phone \xc3\xbc\"");
  ASSERT_CONTAINS(json.out, "\"name\":\"tablet\",\"id\":\"" + JsonField(b.out, "id") +
                                "\",\"algorithm\":\"SHA512\",\"digits\":8,\"period\":60,"
                                "\"created\":" +
                                JsonField(b.out, "created") + ",\"last_used\":null}");
  for (const std::string& secret : secrets) {
    for (const CommandResult* r : {&text, &json}) {
      ASSERT_LACKS(r->out, secret);
      ASSERT_LACKS(r->err, secret);
    }
  }
}

void BadUtf8InANameStillGivesValidJson(void**) {
  Env env;
  CommandResult r = env.Run({"enroll", "--no-confirm", "--json", "--name", "x\xff\xc3y"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "\"name\":\"x\\ufffd\\ufffdy\"");
}

// --- remove --------------------------------------------------------------------------------

void RemoveDevices(void**) {
  Env env;
  const std::string user = CurrentUser();
  assert_int_equal(env.Run({"enroll", "--no-confirm", "--name", "phone"}).exit_code, 0);
  assert_int_equal(env.Run({"enroll", "--no-confirm", "--name", "tablet"}).exit_code, 0);

  CommandResult unknown = env.Run({"remove", "nope", "--yes"});
  assert_int_equal(unknown.exit_code, 1);
  ASSERT_STR_EQ(unknown.err, "totpctl: " + user + " has no device named 'nope'\n");

  CommandResult unasked = env.Run({"remove", "phone"}, "y\n");
  assert_int_equal(unasked.exit_code, 2);
  ASSERT_STR_EQ(unasked.err, "totpctl: refusing to remove without --yes when not on a terminal\n");
  assert_int_equal(env.Devices(user).size(), 2);

  CommandResult removed = env.Run({"remove", "--yes", "phone"});
  assert_int_equal(removed.exit_code, 0);
  ASSERT_STR_EQ(removed.out, "Removed device 'phone' of " + user + ".\n");
  std::vector<Device> left = env.Devices(user);
  assert_int_equal(left.size(), 1);
  ASSERT_STR_EQ(left[0].name, "tablet");

  // Removing the last device removes the user's files.
  assert_int_equal(env.Run({"remove", "tablet", "--yes"}).exit_code, 0);
  AssertNoStoreFiles(env, user);
}

// --- users, configuration, store safety ------------------------------------------------------

void UserOptionIsForRootOnly(void**) {
  Env env;
  if (getuid() != 0) {
    CommandResult r = env.Run({"list", "--user", "bob"});
    assert_int_equal(r.exit_code, 2);
    ASSERT_STR_EQ(r.err, "totpctl: --user is for root only; run it with sudo\n");
    return;
  }
  // Root may act for anyone, with the option before or after the command.
  CommandResult enrolled = env.Run({"--user", "bob", "enroll", "--no-confirm", "--json"});
  assert_int_equal(enrolled.exit_code, 0);
  ASSERT_STR_EQ(JsonField(enrolled.out, "user"), "bob");
  ASSERT_CONTAINS(JsonField(enrolled.out, "uri"), ":bob?secret=");
  assert_int_equal(env.Devices("bob").size(), 1);
  CommandResult list = env.Run({"list", "--user", "bob"});
  assert_int_equal(list.exit_code, 0);
  ASSERT_CONTAINS(list.out, "\ndevice ");
  ASSERT_STR_EQ(env.Run({"list"}).out, CurrentUser() + " has no devices enrolled.\n");
}

void StoreReadableByOthersIsRefused(void**) {
  Env env;
  const std::string user = CurrentUser();
  assert_int_equal(env.Run({"enroll", "--no-confirm"}).exit_code, 0);
  assert_int_equal(chmod(env.StoreFile(user).c_str(), 0644), 0);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"list"},
                                               {"enroll", "--no-confirm"},
                                               {"remove", "device", "--yes"}}) {
    CommandResult r = env.Run(args);
    assert_int_equal(r.exit_code, 1);
    ASSERT_CONTAINS(r.err, "totpctl: " + env.StoreFile(user));
    ASSERT_CONTAINS(r.err, "chmod 600 " + env.StoreFile(user) + "\n");
  }
}

void ConfigurationIsReadAndOptionsOverrideIt(void**) {
  Env env;
  const std::string user = CurrentUser();
  const std::string other = env.dir().File("other");
  assert_int_equal(mkdir(other.c_str(), 0700), 0);
  const std::string config = env.dir().File("pam_totp.conf");
  WriteFile(config, "# test\nissuer = Example Corp\nstore = " + other + "/%u.totp\n", 0644);

  // The configured store and issuer...
  CommandResult r = RunCommand({TOTPCTL, "--config", config, "enroll", "--no-confirm", "--json"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(JsonField(r.out, "issuer"), "Example Corp");
  assert_true(JsonField(r.out, "uri").rfind("otpauth://totp/Example%20Corp:" + user + "?", 0) == 0);
  struct stat st;
  assert_int_equal(stat((other + "/" + user + ".totp").c_str(), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  // ...and --store / --issuer win over them.
  CommandResult o = RunCommand({TOTPCTL, "enroll", "--config", config, "--store", env.Template(),
                                "--issuer", "Lab", "--no-confirm", "--json"});
  assert_int_equal(o.exit_code, 0);
  ASSERT_STR_EQ(JsonField(o.out, "issuer"), "Lab");
  assert_int_equal(env.Devices(user).size(), 1);

  // An explicit --config must exist, and must not be writable by others.
  CommandResult missing = RunCommand({TOTPCTL, "--config", env.dir().File("nope.conf"), "list"});
  assert_int_equal(missing.exit_code, 1);
  ASSERT_STR_EQ(missing.err, "totpctl: cannot open " + env.dir().File("nope.conf") +
                                 ": No such file or directory\n");
  assert_int_equal(chmod(config.c_str(), 0666), 0);
  CommandResult open = RunCommand({TOTPCTL, "--config", config, "list"});
  assert_int_equal(open.exit_code, 1);
  ASSERT_CONTAINS(open.err, "chmod 644 " + config);
}

// --- command line --------------------------------------------------------------------------

void UsageErrorsExitTwoAndSayWhatToFix(void**) {
  Env env;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "no command given; totpctl --help lists the commands"},
      {{"frobnicate"},
       "unknown command 'frobnicate'; the commands are enroll, list, remove, rename, verify, "
       "status, unlock, doctor, show-qr, recovery-codes, import and migrate"},
      {{"list", "--bogus"}, "unknown option '--bogus'"},
      {{"enroll", "--digits", "7"}, "--digits must be 6 or 8"},
      {{"enroll", "--algorithm", "md5"}, "--algorithm must be sha1, sha256 or sha512"},
      {{"enroll", "--period", "45"}, "--period must be 30 or 60 (seconds)"},
      {{"enroll", "--qr", "png"}, "--qr must be utf8, utf8-inverted, ansi or none"},
      {{"enroll", "--name"}, "--name needs a value"},
      {{"enroll", "--name", ""}, "--name: the device name is empty"},
      {{"enroll", "--name", "a", "--name=b"}, "--name is given twice"},
      {{"enroll", "--no-confirm=yes"}, "--no-confirm takes no value"},
      {{"enroll", "--json", "--qr", "utf8"},
       "--qr utf8 does not go with --json (standard output holds only the JSON)"},
      {{"enroll", "--issuer", "a:b"},
       "--issuer: the issuer must not contain ':', '&', '#', '?', '+' or control characters "
       "(authenticator apps mangle them)"},
      {{"enroll", "--issuer", "steam"},
       "--issuer: the issuer 'Steam' makes FreeOTP, FreeOTP+ and Ente Auth show Steam's "
       "5-character codes; pick another issuer"},
      {{"enroll", "phone"}, "enroll takes no operand 'phone'"},
      {{"list", "--name", "x"}, "--name does not apply to list"},
      {{"list", "--yes"}, "--yes does not apply to list"},
      {{"remove"}, "remove needs the NAME of a device (see totpctl list)"},
      {{"remove", "a", "b"}, "remove takes one device name (quote names with spaces)"},
      {{"list", "--user", "../x"}, "--user: "},
      {{"list", "--store", "/x/%u.totp"}, "--store is given twice"},
  };
  for (const Case& c : cases) {
    CommandResult r = env.Run(c.args);
    if (r.exit_code != 2) print_error("args[0]: %s\n", c.args.empty() ? "" : c.args[0].c_str());
    assert_int_equal(r.exit_code, 2);
    ASSERT_STR_EQ(r.out, "");
    if (c.message.back() == ' ') {
      assert_true(r.err.rfind("totpctl: " + c.message, 0) == 0);
    } else {
      ASSERT_STR_EQ(r.err, "totpctl: " + c.message + "\n" + std::string(kUsageHint));
    }
  }
  CommandResult relative =
      RunCommand({TOTPCTL, "--config", env.Config(), "--store", "relative/%u.totp", "list"});
  assert_int_equal(relative.exit_code, 2);
  assert_true(relative.err.rfind("totpctl: --store: ", 0) == 0);
  AssertNoStoreFiles(env, CurrentUser());
}

void HelpAndVersion(void**) {
  Env env;
  CommandResult help = env.Run({"--help"});
  assert_int_equal(help.exit_code, 0);
  ASSERT_CONTAINS(help.out,
                  "Usage: totpctl [--config PATH] [--store TEMPLATE] [--user NAME] "
                  "COMMAND [options]\n");
  ASSERT_CONTAINS(help.out, "Exit status:\n  0  success\n  1  the operation failed");
  ASSERT_CONTAINS(help.out, "\n  2  usage error");
  ASSERT_CONTAINS(help.out, "\n  3  enrollment not confirmed");
  CommandResult enroll = env.Run({"enroll", "--help"});
  assert_int_equal(enroll.exit_code, 0);
  ASSERT_CONTAINS(enroll.out,
                  "Usage: totpctl enroll [--name NAME] [--algorithm sha1|sha256|sha512]");
  CommandResult remove = env.Run({"remove", "-h"});
  assert_int_equal(remove.exit_code, 0);
  ASSERT_CONTAINS(remove.out, "Usage: totpctl remove NAME [--yes]\n");
  CommandResult version = env.Run({"--version"});
  assert_int_equal(version.exit_code, 0);
  ASSERT_STR_EQ(Shape(version.out), "totpctl (pam_totp) 9.9.9\n");
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(EnrollJsonWithoutConfirmation),
      cmocka_unit_test(EnrollConfirmedWithOathtoolCodeSavesAndBurnsIt),
      cmocka_unit_test(EnrollNonDefaultSettingsPutThemInTheUri),
      cmocka_unit_test(EnrollLabelNamesTheAccountInTheApp),
      cmocka_unit_test(EnrollSha512OnlyNamesTheAlgorithm),
      cmocka_unit_test(WrongCodeOnAPipeSavesNothing),
      cmocka_unit_test(EndOfInputOrGarbageSavesNothing),
      cmocka_unit_test(AppThatIgnoresSettingsIsDiagnosed),
      cmocka_unit_test(DefaultNamesTakeTheFirstFreeOne),
      cmocka_unit_test(TakenNameIsRefusedBeforeAnythingIsShown),
      cmocka_unit_test(ThirtyThirdDeviceIsRefused),
      cmocka_unit_test(TextOutputShowsQrKeyUriAndSettings),
      cmocka_unit_test(QrDrawingIsAWellFormedSymbol),
      cmocka_unit_test(QrDrawingDecodesToTheUri),
      cmocka_unit_test(ListWithoutDevices),
      cmocka_unit_test(ListShowsNamesAndSettingsButNeverSecrets),
      cmocka_unit_test(BadUtf8InANameStillGivesValidJson),
      cmocka_unit_test(RemoveDevices),
      cmocka_unit_test(UserOptionIsForRootOnly),
      cmocka_unit_test(StoreReadableByOthersIsRefused),
      cmocka_unit_test(ConfigurationIsReadAndOptionsOverrideIt),
      cmocka_unit_test(UsageErrorsExitTwoAndSayWhatToFix),
      cmocka_unit_test(HelpAndVersion),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
