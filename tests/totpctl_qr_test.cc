// The QR codes totpctl draws and writes, read back by a real decoder (zbarimg, from Debian's
// zbar-tools): every terminal style, PNG and SVG files, the fallback to the text key on a
// terminal too narrow for the code, and show-qr.
#include <fcntl.h>
#include <pty.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/store.h"
#include "core/verifier.h"
#include "tests/test_support.h"

namespace pamtotp::testing {
namespace {

constexpr char kHex0[] = "3132333435363738393031323334353637383930";
constexpr char kZbarimg[] = "/usr/bin/zbarimg";
constexpr std::string_view kScan = "Scan this QR code with your authenticator app:\n\n";
constexpr std::string_view kByHand = "\nOr add the account by hand:\n";

class Env {
 public:
  Env() { WriteFile(Config(), "", 0644); }
  std::string Config() const { return dir_.File("empty.conf"); }
  std::string File(const std::string& name) const { return dir_.File(name); }
  const std::string& path() const { return dir_.path(); }
  std::vector<std::string> Argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {TOTPCTL, "--config", Config(), "--store",
                                     dir_.path() + "/%u.totp"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  CommandResult Run(const std::vector<std::string>& args) const { return RunCommand(Argv(args)); }

 private:
  TempDir dir_;
};

// The rest of the line after `prefix`.
std::string LineAfter(const std::string& text, const std::string& prefix) {
  size_t at = text.find(prefix);
  if (at == std::string::npos) fail_msg("no '%s' in:\n%s", prefix.c_str(), text.c_str());
  at += prefix.size();
  return text.substr(at, text.find('\n', at) - at);
}

std::string DrawingIn(const std::string& out) {
  const size_t start = out.find(kScan), end = out.find(kByHand);
  if (start == std::string::npos || end == std::string::npos)
    fail_msg("no QR code in:\n%s", out.c_str());
  return out.substr(start + kScan.size(), end - start - kScan.size());
}

using Grid = std::vector<std::vector<bool>>;  // [y][x], true = dark

// Half-block drawings: each glyph is two modules, top and bottom. `ink_dark`: what the block
// characters stand for (utf8: light modules; utf8-inverted: dark ones).
Grid ReadBlocks(const std::string& drawing, bool ink_dark) {
  Grid grid;
  size_t pos = 0;
  while (pos < drawing.size()) {
    std::vector<bool> top, bottom;
    while (drawing[pos] != '\n') {
      const size_t len = drawing[pos] == ' ' ? 1 : 3;
      const std::string glyph = drawing.substr(pos, len);
      if (glyph != " " && glyph != "\u2588" && glyph != "\u2580" && glyph != "\u2584") {
        fail_msg("unexpected glyph at byte %zu", pos);
      }
      const bool top_ink = glyph == "\u2588" || glyph == "\u2580";
      const bool bottom_ink = glyph == "\u2588" || glyph == "\u2584";
      top.push_back(top_ink == ink_dark);
      bottom.push_back(bottom_ink == ink_dark);
      pos += len;
    }
    ++pos;
    grid.push_back(top);
    grid.push_back(bottom);
  }
  return grid;
}

// ANSI drawings: upper half blocks, the foreground colour painting the top module and the
// background the bottom one; every line ends with a reset.
Grid ReadAnsi(const std::string& drawing) {
  Grid grid;
  size_t pos = 0;
  bool fg_dark = false, bg_dark = false;
  while (pos < drawing.size()) {
    std::vector<bool> top, bottom;
    for (;;) {
      if (drawing.compare(pos, 5, "\x1b[0m\n") == 0) {
        pos += 5;
        break;
      }
      if (drawing[pos] == '\x1b') {
        const size_t m = drawing.find('m', pos);
        const std::string code = drawing.substr(pos + 2, m - pos - 2);
        if (code == "30" || code == "97") {
          fg_dark = code == "30";
        } else if (code == "40" || code == "107" || code == "49") {
          bg_dark = code == "40";
        } else {
          fail_msg("unexpected escape %s", code.c_str());
        }
        pos = m + 1;
        continue;
      }
      if (drawing.compare(pos, 3, "\u2580") != 0) fail_msg("unexpected byte at %zu", pos);
      top.push_back(fg_dark);
      bottom.push_back(bg_dark);
      pos += 3;
    }
    grid.push_back(top);
    grid.push_back(bottom);
  }
  return grid;
}

// What zbarimg reads from `grid` drawn 4 pixels a module with a white margin, as a camera
// would see the terminal.
std::string Decode(const Env& env, const Grid& grid) {
  if (access(kZbarimg, X_OK) != 0) fail_msg("zbarimg not installed (apt install zbar-tools)");
  constexpr size_t kScale = 4, kMargin = 4;
  const size_t width = grid.front().size(), height = grid.size();
  std::string pgm = "P5 " + std::to_string((width + 2 * kMargin) * kScale) + " " +
                    std::to_string((height + 2 * kMargin) * kScale) + " 255\n";
  for (size_t y = 0; y < height + 2 * kMargin; ++y) {
    std::string line;
    for (size_t x = 0; x < width + 2 * kMargin; ++x) {
      const bool inside = x >= kMargin && y >= kMargin && x - kMargin < width &&
                          y - kMargin < height && x - kMargin < grid[y - kMargin].size();
      line.append(kScale, inside && grid[y - kMargin][x - kMargin] ? '\0' : '\xff');
    }
    for (size_t i = 0; i < kScale; ++i) pgm += line;
  }
  WriteFile(env.File("qr.pgm"), pgm);
  CommandResult r = RunCommand({kZbarimg, "-q", "--raw", env.File("qr.pgm")});
  assert_int_equal(r.exit_code, 0);
  return r.out.substr(0, r.out.find('\n'));
}

void EveryTerminalStyleDecodesToTheUri(void**) {
  Env env;
  CommandResult enrolled = env.Run({"enroll", "--no-confirm", "--name", "phone", "--issuer",
                                    "Example Corp", "--algorithm", "sha256", "--qr", "ansi"});
  assert_int_equal(enrolled.exit_code, 0);
  const std::string uri = LineAfter(enrolled.out, "  URI:       ");
  ASSERT_STR_EQ(Decode(env, ReadAnsi(DrawingIn(enrolled.out))), uri);
  for (const char* style : {"utf8", "utf8-inverted", "ansi"}) {
    CommandResult shown = env.Run({"show-qr", "phone", "--qr", style, "--issuer", "Example Corp"});
    assert_int_equal(shown.exit_code, 0);
    ASSERT_STR_EQ(LineAfter(shown.out, "  URI:       "), uri);
    const std::string drawing = DrawingIn(shown.out);
    const Grid grid = std::string(style) == "ansi"
                          ? ReadAnsi(drawing)
                          : ReadBlocks(drawing, std::string(style) == "utf8-inverted");
    ASSERT_STR_EQ(Decode(env, grid), uri);
  }
  CommandResult none = env.Run({"show-qr", "phone", "--qr", "none"});
  ASSERT_CONTAINS(none.out, "Add this account to your authenticator app:\n  Key:       ");
}

// The SVG's rectangles ("M x y h n v1 h-n z", one per run of dark modules) back into a grid.
Grid ReadSvg(const std::string& svg) {
  const std::string view = LineAfter(svg, "viewBox=\"0 0 ");
  const size_t size = std::stoul(view);
  Grid grid(size, std::vector<bool>(size, false));
  const size_t d = svg.find(" d=\"") + 4;
  size_t pos = d;
  while (svg[pos] == 'M') {
    size_t x = 0, y = 0, n = 0;
    if (std::sscanf(svg.c_str() + pos, "M%zu %zuh%zuv1h-", &x, &y, &n) != 3) fail_msg("bad path");
    for (size_t i = 0; i < n; ++i) grid[y][x + i] = true;
    pos = svg.find('z', pos) + 1;
  }
  assert_int_equal(svg[pos], '"');
  return grid;
}

void PngAndSvgFilesDecodeToTheUri(void**) {
  Env env;
  const std::string png = env.File("phone.png");
  CommandResult r =
      env.Run({"enroll", "--no-confirm", "--name", "phone", "--qr", "none", "--qr-file", png});
  assert_int_equal(r.exit_code, 0);
  const std::string uri = LineAfter(r.out, "  URI:       ");
  ASSERT_STR_EQ(r.err, "The QR code is in " + png +
                           "; it holds the secret key, so delete it once it is scanned.\n");
  struct stat st;
  assert_int_equal(stat(png.c_str(), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  const std::string bytes = ReadFile(png);
  ASSERT_STR_EQ(bytes.substr(0, 8), "\x89PNG\r\n\x1a\n");
  ASSERT_STR_EQ(bytes.substr(12, 4), "IHDR");
  ASSERT_STR_EQ(bytes.substr(bytes.size() - 8, 4), "IEND");
  CommandResult decoded = RunCommand({kZbarimg, "-q", "--raw", png});
  assert_int_equal(decoded.exit_code, 0);
  ASSERT_STR_EQ(decoded.out, uri + "\n");

  const std::string svg = env.File("phone.SVG");
  r = env.Run({"show-qr", "phone", "--qr", "none", "--qr-file", svg, "--json"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_CONTAINS(r.out, "\"uri\":\"" + uri + "\"");
  ASSERT_STR_EQ(Decode(env, ReadSvg(ReadFile(svg))), uri);

  // An existing file is never replaced, and the enrollment then saves nothing.
  r = env.Run({"enroll", "--no-confirm", "--name", "tablet", "--qr-file", png});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: " + png +
                           " already exists; remove it or pick another --qr-file name; nothing "
                           "was saved\n");
  ASSERT_CONTAINS(env.Run({"list"}).out, "phone");
  assert_true(env.Run({"list"}).out.find("tablet") == std::string::npos);
  // A cancelled enrollment takes its QR file with it.
  const std::string cancelled = env.File("cancelled.png");
  r = RunCommand(env.Argv({"enroll", "--qr", "none", "--qr-file", cancelled}), "no code\n");
  assert_int_equal(r.exit_code, 3);
  assert_int_equal(stat(cancelled.c_str(), &st), -1);
  r = env.Run({"enroll", "--qr-file", env.File("x.gif")});
  assert_int_equal(r.exit_code, 2);
  ASSERT_CONTAINS(r.err, "totpctl: --qr-file: the QR file name must end in .png or .svg\n");
  r = env.Run({"enroll", "--json", "--qr", "ansi"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_CONTAINS(r.err,
                  "totpctl: --qr ansi does not go with --json (standard output holds only the "
                  "JSON)\n");
}

// Runs argv on a pseudo-terminal `columns` wide; returns everything it wrote.
std::string RunOnTerminal(const std::vector<std::string>& argv, unsigned short columns) {
  struct winsize size = {};
  size.ws_row = 60;
  size.ws_col = columns;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) fail_msg("forkpty: %s", strerror(errno));
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EIO once the child has exited
    out.append(buf, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return out;
}

void NarrowTerminalGetsTheKeyInstead(void**) {
  Env env;
  assert_int_equal(env.Run({"import", "--hex", kHex0, "--name", "fob"}).exit_code, 0);
  const std::vector<std::string> argv = env.Argv({"show-qr", "fob", "--issuer", "X"});
  // How wide the drawing is: the glyphs of its first line (quiet zone included).
  const std::string wide = RunOnTerminal(argv, 200);
  const std::string scan = "Scan this QR code with your authenticator app:\r\n\r\n";
  ASSERT_CONTAINS(wide, scan);
  const size_t first = wide.find(scan) + scan.size();
  const std::string line = wide.substr(first, wide.find("\r\n", first) - first);
  const size_t columns = ReadBlocks(line + "\n", false).front().size();
  assert_true(columns >= 25 && columns <= 81);
  // One column fewer: a warning, and the key to type instead.
  const std::string narrow = RunOnTerminal(argv, static_cast<unsigned short>(columns - 1));
  ASSERT_CONTAINS(narrow, "Warning: the QR code needs " + std::to_string(columns) +
                              " columns but this terminal has " + std::to_string(columns - 1) +
                              ", so it is not shown: widen the window and run again, use "
                              "--qr-file FILE.png, or type the key below into your app.\r\n");
  ASSERT_CONTAINS(narrow,
                  "Add this account to your authenticator app:\r\n"
                  "  Key:       GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ\r\n");
  assert_true(narrow.find("Scan this QR code") == std::string::npos);
  // Exactly as wide as the code: it is drawn.
  const std::string exact = RunOnTerminal(argv, static_cast<unsigned short>(columns));
  ASSERT_CONTAINS(exact, scan);
  assert_true(exact.find("Warning") == std::string::npos);
}

void ShowQrReshowsTheKeyWithTheNextCounter(void**) {
  Env env;
  assert_int_equal(
      env.Run({"import", "--hex", kHex0, "--hotp", "--counter", "3", "--name", "fob"}).exit_code,
      0);
  CommandResult code = RunCommand({OATHTOOL, "--hotp", "--counter=3", kHex0});
  Result<std::unique_ptr<Store>> store = OpenFileStore(env.path() + "/%u.totp");
  assert_true(store.ok());
  const struct passwd* pw = getpwuid(getuid());
  assert_non_null(pw);
  const std::string user = pw->pw_name;
  Result<Outcome> o =
      VerifyInput(**store, user, code.out.substr(0, 6), pamtotp::SystemClock(), pamtotp::Config{});
  assert_true(o.ok());
  assert_int_equal(static_cast<int>(o->verdict), static_cast<int>(Verdict::kAccepted));
  CommandResult r = env.Run({"show-qr", "fob", "--qr", "none", "--issuer", "X"});
  assert_int_equal(r.exit_code, 0);
  ASSERT_STR_EQ(
      LineAfter(r.out, "  URI:       "),
      "otpauth://hotp/X:" + user + "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=X&counter=4");
  ASSERT_STR_EQ(LineAfter(r.out, "  Settings:  "), "counter-based, SHA1, 6 digits, next counter 4");
  ASSERT_STR_EQ(r.err,
                "This is the key device 'fob' already has: a phone that still holds it keeps "
                "making valid codes. If the old phone is lost, enroll a new device and remove "
                "this one instead.\n");
  r = env.Run({"show-qr", "nope"});
  assert_int_equal(r.exit_code, 1);
  ASSERT_STR_EQ(r.err, "totpctl: " + user + " has no device named 'nope' (see totpctl list)\n");
  r = env.Run({"show-qr"});
  assert_int_equal(r.exit_code, 2);
  ASSERT_CONTAINS(r.err, "totpctl: show-qr needs the NAME of one device (see totpctl list)\n");
  // A user other than root may not, unless allow_self_show says so.
  assert_int_equal(chmod(env.path().c_str(), 0755), 0);
  std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                   "--clear-groups"};
  for (const std::string& a : env.Argv({"show-qr", "fob"})) argv.push_back(a);
  r = RunCommand(argv);
  assert_int_equal(r.exit_code, 1);
  ASSERT_CONTAINS(r.err, "allow_self_show");
  assert_true(r.out.empty());
}

}  // namespace
}  // namespace pamtotp::testing

int main() {
  using namespace pamtotp::testing;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(EveryTerminalStyleDecodesToTheUri),
      cmocka_unit_test(PngAndSvgFilesDecodeToTheUri),
      cmocka_unit_test(NarrowTerminalGetsTheKeyInstead),
      cmocka_unit_test(ShowQrReshowsTheKeyWithTheNextCounter),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
