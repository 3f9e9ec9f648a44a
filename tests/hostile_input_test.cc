// A table of hostile inputs, each fed through libpam to the built pam_totp.so: as the code
// (around a code that is otherwise right), as the user name, as the devices file, as the state
// file, as configuration lines and module arguments. Every one must be refused cleanly:
// PAM_AUTH_ERR (or PAM_SERVICE_ERR for configuration), never PAM_SUCCESS, never a crash. The
// right code itself still works afterwards, so the refusals were not luck. Prints the count.
//
// A PAM conversation reply is a C string: a NUL byte ends it, so "123456\0junk" reaches the
// module as "123456" and no input can carry a NUL to it. Inputs here put the NUL first, where
// it leaves nothing.
#include <openssl/evp.h>
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/store.h"
#include "core/store_format.h"
#include "core/verifier.h"
#include "tests/hardening_support.h"
#include "tests/pam_harness.h"

namespace pamtotp {
namespace {

using testing::EnrollHotp;
using testing::HotpCode;
using testing::LogContains;
using testing::OpenStoreOrFail;
using testing::PamFixture;
using testing::PamRun;

int tried = 0;  // hostile inputs fed in, over all tests

std::string Repeat(const std::string& text, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += text;
  return out;
}

// The digits of `code` in another script: each digit d becomes `zero` with d added to its last
// byte (every script used here has its ten digits in one run of code points).
std::string InScript(const std::string& code, const std::string& zero) {
  std::string out;
  for (char c : code) {
    std::string digit = zero;
    digit.back() = static_cast<char>(digit.back() + (c - '0'));
    out += digit;
  }
  return out;
}

// Ways to type something that is not a code, built around the right code `r`.
std::vector<std::string> HostileCodes(const std::string& r) {
  std::vector<std::string> v = {
      r + "\t",
      "\t" + r,
      r + "\n",
      "\n" + r,
      r + "\r",
      r + "\r\n",
      r + "\v",
      r + "\f",
      r.substr(0, 3) + "\t" + r.substr(3),
      r + "\xc2\xa0",
      "\xc2\xa0" + r,                                 // no-break space
      r.substr(0, 3) + "\xe2\x80\x89" + r.substr(3),  // thin space
      r.substr(0, 3) + "\xe2\x80\x8b" + r.substr(3),  // zero-width space
      r + "\xe3\x80\x80",
      "\xef\xbb\xbf" + r,  // ideographic, BOM
      std::string(1, '\0') + r,
      InScript(r, "\xef\xbc\x90"),  // NUL first; fullwidth
      InScript(r, "\xd9\xa0"),
      InScript(r, "\xdb\xb0"),  // Arabic-Indic
      InScript(r, "\xe0\xa5\xa6"),
      InScript(r, "\xe0\xa7\xa6"),  // Devanagari, Bengali
      InScript(r, "\xf0\x9d\x9f\x8e"),
      InScript(r, "\xf0\x9d\x9f\xb6"),  // math bold, mono
      "+" + r,
      "-" + r,
      r + ".",
      r + ".0",
      r + ",",
      "0x" + r,
      r + "e0",
      "(" + r + ")",
      "\"" + r + "\"",
      "'" + r + "'",
      r.substr(0, 5),
      r.substr(1),
      r + r,
      r + "0",
      "0" + r,
      "00" + r,
      r + "000",
      "\x01" + r,
      r + "\x7f",
      "\x1b[2J" + r,
      r + "\x08",
      r + "\x08\x08",
      "\x1b" + r,
      r.substr(0, 3) + "-" + r.substr(3),
      r.substr(0, 3) + "_" + r.substr(3),
      r.substr(0, 3) + "." + r.substr(3),
      r.substr(0, 3) + "/" + r.substr(3),
      "l" + r.substr(1),
      "O" + r.substr(1),
      "o" + r.substr(1),
      "I" + r.substr(1),
      "\xff\xfe" + r,
      r + "\xff",
      Repeat("\xc0\xb0", 6),
      "\xed\xa0\x80" + r,                         // bad UTF-8
      "1\xef\xb8\x8f\xe2\x83\xa3" + r.substr(1),  // keycap digit
      "",
      " ",
      "      ",
      "\t\t\t\t\t\t",
      "\n",
      "%s%s%s%s%n",
      "%x%x%x%x%x%x",
      r + "%n",
      "$(reboot)",
      "`id`",
      r + "; rm -rf /",
      r + " || true",
      "' OR '1'='1",
      "../../../etc/shadow",
      "-123456",
      "4294967296",
      "18446744073709551616",
      "123456789",
      "1234567890123",
      Repeat("9", 9),
      Repeat("0", 64),
      Repeat("1", 65),
      Repeat("7", 1000),
      Repeat("A", 10000),
      Repeat(r, 20000),
      "abcd-efgh-ijkl",
      "ABCD-EFGH-IJKL",
      "abcd-efgh-ijk",
      "abcd-efgh-ijklm",
      "abcd-efgh-ijk!",
      "abcd\nefgh\nijkl",
      "1234-5678",
      "1234 5678 9",
      "\xe2\x80\xae" + r,  // right-to-left override
  };
  for (size_t i = 0; i < r.size(); ++i) {  // one digit off
    std::string off = r;
    off[i] = static_cast<char>('0' + (off[i] - '0' + 1) % 10);
    v.push_back(off);
  }
  return v;
}

// What reaches the module: a C string ends at the first NUL.
std::string AsCString(const std::string& text) { return text.substr(0, text.find('\0')); }

// Every hostile code, asked for plainly, with echo, and with forward_pass after a password:
// refused each time; then the right code is accepted once.
void HostileCodesAreRefused(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  std::unique_ptr<Store> store = OpenStoreOrFail(pam.store_template());
  const std::string r = HotpCode(key, 0);
  int count = 0;
  for (const char* mode : {"", "echo", "forward_pass"}) {
    pam.SetModuleArgs(mode);
    const bool forward = std::string(mode) == "forward_pass";
    for (const std::string& hostile : HostileCodes(r)) {
      std::string answer = forward ? "pass word" + hostile : hostile;
      // forward_pass takes the last six characters as the code: skip what ends in the code.
      std::string reaches = AsCString(answer);
      if (forward && reaches.size() >= r.size() && reaches.ends_with(r)) continue;
      PamRun run = pam.Authenticate("alice", answer);
      if (run.result != PAM_AUTH_ERR) {
        fail_msg("mode '%s', input #%d (%zu bytes): result %d", mode, count, hostile.size(),
                 run.result);
      }
      assert_true(ResetFailures(*store, "alice").ok());  // no backoff between table rows
      ++count;
    }
  }
  pam.SetModuleArgs("");
  assert_int_equal(pam.Authenticate("alice", r).result, PAM_SUCCESS);
  assert_int_equal(pam.Authenticate("alice", r).result, PAM_AUTH_ERR);
  tried += count;
  print_message("hostile: %d codes refused (plain, echo, forward_pass)\n", count);
}

// Names that must not reach a path, or that simply have no device: all denied, after the right
// code of alice, and no file appears anywhere.
void HostileUserNamesAreRefused(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  const std::string r = HotpCode(key, 0);
  std::vector<std::string> users = {
      "../alice",
      "../../etc/passwd",
      "alice/../alice",
      "/etc/shadow",
      "a/b",
      "alice/",
      "/",
      ".",
      "..",
      "...",
      "alice\n",
      "alice\nroot",
      "\nalice",
      "alice\r",
      "al\tice",
      "\x01",
      "alice\x7f",
      "\x1b[31malice",
      Repeat("a", 257),
      Repeat("a", 4096),
      Repeat("../", 100),
      "%u",
      "%",
      "%%",
      "%s%s%n",
      "~",
      "~root",
      "~/alice",
      "-",
      "--help",
      " alice",
      "alice ",
      "alice.totp",
      "alice.totp.state",
      "*",
      "?",
      "[a]",
      "$(id)",
      "`id`",
      "alice;id",
      "root",
      "ALICE",
      "alice\xc0\xaf",
      "\xe2\x80\x8b"
      "alice",
      "alice\xef\xbc\x8f",
      "\xff\xfe",
      "alice\xe2\x80\xae",
      Repeat("\xe2\x82\xac", 90),
      "nobody",
      "0",
      "-1",
  };
  auto files = [&] {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::recursive_directory_iterator(pam.dir())) {
      names.push_back(e.path());
    }
    return names;
  };
  const std::vector<std::string> before = files();
  for (const std::string& user : users) {
    PamRun run = pam.Authenticate(user, r);
    if (run.result != PAM_AUTH_ERR) fail_msg("user '%s': result %d", user.c_str(), run.result);
  }
  assert_true(files() == before);
  assert_int_equal(pam.Authenticate("alice", r).result, PAM_SUCCESS);
  tried += static_cast<int>(users.size());
  print_message("hostile: %zu user names refused, no file created\n", users.size());
}

// One edit of a valid file: (what, transform).
using Edit = std::pair<std::string, std::function<std::string(const std::string&)>>;

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in the file");
  return text.replace(at, from.size(), to);
}

// The value of `field` ("secret=") on the device line.
std::string FieldOf(const std::string& text, const std::string& field) {
  size_t at = text.find(field);
  if (at == std::string::npos) throw std::runtime_error("no field " + field);
  size_t end = text.find_first_of(" \n", at);
  return text.substr(at, end - at);
}

std::vector<Edit> DeviceFileEdits(const std::string& valid) {
  const std::string line = valid.substr(valid.find("device "));
  const std::string id = FieldOf(valid, "id="), secret = FieldOf(valid, "secret=");
  auto field = [&](const std::string& what, const std::string& to) {
    return Edit{what, [=](const std::string& t) { return Replace(t, FieldOf(t, what), to); }};
  };
  auto text = [](const std::string& what, std::function<std::string(const std::string&)> f) {
    return Edit{what, f};
  };
  std::vector<Edit> edits = {
      text("empty", [](const std::string&) { return std::string(); }),
      text("no final newline", [](const std::string& t) { return t.substr(0, t.size() - 1); }),
      text("cut in half", [](const std::string& t) { return t.substr(0, t.size() / 2) + "\n"; }),
      text("one byte", [](const std::string& t) { return t.substr(0, 1); }),
      text("NUL inside",
           [](const std::string& t) { return Replace(t, "type=", std::string("ty\0pe=", 6)); }),
      text("version 2", [](const std::string& t) { return Replace(t, "devices 1", "devices 2"); }),
      text("version 10",
           [](const std::string& t) { return Replace(t, "devices 1", "devices 10"); }),
      text("version 1.0",
           [](const std::string& t) { return Replace(t, "devices 1", "devices 1.0"); }),
      text("version 01",
           [](const std::string& t) { return Replace(t, "devices 1", "devices 01"); }),
      text("two spaces",
           [](const std::string& t) { return Replace(t, "devices 1", "devices  1"); }),
      text("header space",
           [](const std::string& t) { return Replace(t, "devices 1\n", "devices 1 \n"); }),
      text("upper header",
           [](const std::string& t) { return Replace(t, "pam_totp-devices", "PAM_TOTP-DEVICES"); }),
      text("no header", [](const std::string& t) { return t.substr(t.find("device ")); }),
      text("header commented",
           [](const std::string& t) {
             return Replace(t, "pam_totp-devices", "# pam_totp-devices");
           }),
      text("BOM",
           [](const std::string& t) { return "\xef\xbb\xbf" + t.substr(t.find("pam_totp-")); }),
      text("CRLF",
           [](const std::string& t) {
             std::string out;
             for (char c : t) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
             return out;
           }),
      text("duplicate line", [=](const std::string& t) { return t + line; }),
      text("header twice", [](const std::string& t) { return t + "pam_totp-devices 1\n"; }),
      text("unknown line", [](const std::string& t) { return t + "devise id=1\n"; }),
      text("unknown field",
           [](const std::string& t) { return Replace(t, " secret=", " colour=red secret="); }),
      text("field twice",
           [=](const std::string& t) { return Replace(t, " secret=", " " + id + " secret="); }),
      text("tab separated", [](const std::string& t) { return Replace(t, " type=", "\ttype="); }),
      text("two spaces between",
           [](const std::string& t) { return Replace(t, " type=", "  type="); }),
      text("HOTP with period",
           [](const std::string& t) { return Replace(t, " created=", " period=30 created="); }),
      text("over 64 KiB", [](const std::string& t) { return "#" + Repeat("x", 65536) + "\n" + t; }),
      text("33 devices",
           [=](const std::string& t) {
             std::string out = t.substr(0, t.find("device "));
             for (int i = 0; i < 33; ++i) {
               char hex[17];
               std::snprintf(hex, sizeof hex, "%016x", i);
               out += Replace(Replace(line, id, std::string("id=") + hex), "name=token",
                              "name=t" + std::to_string(i));
             }
             return out;
           }),
      text("recovery scrypt too weak",
           [](const std::string& t) {
             return t +
                    "recovery id=00112233445566aa created=1 scrypt=9,8,1 salt=" + Repeat("00", 16) +
                    " codes=" + Repeat("ab", 16) + "\n";
           }),
      text("recovery without codes",
           [](const std::string& t) {
             return t + "recovery id=00112233445566aa created=1 scrypt=14,8,1 salt=" +
                    Repeat("00", 16) + " codes=\n";
           }),
      text("recovery short salt",
           [](const std::string& t) {
             return t + "recovery id=00112233445566aa created=1 scrypt=14,8,1 salt=00 codes=" +
                    Repeat("ab", 16) + "\n";
           }),
      text("two recovery lines",
           [](const std::string& t) {
             std::string rec =
                 "recovery id=00112233445566aa created=1 scrypt=14,8,1 salt=" + Repeat("00", 16) +
                 " codes=" + Repeat("ab", 16) + "\n";
             return t + rec + rec;
           }),
  };
  for (const char* bad : {"id=0123456789abcde", "id=0123456789abcdef0", "id=0123456789ABCDEF",
                          "id=0123456789abcdeg", "id=", "id=../../../x"}) {
    edits.push_back(field("id=", bad));
  }
  for (const char* bad :
       {"name=", "name=%00", "name=%G1", "name=%4", "name=%0a", "name=%20token", "name="}) {
    edits.push_back(field("name=", bad));
  }
  for (const char* bad : {"type=HOTP", "type=totp", "type=motp", "type="}) {
    edits.push_back(field("type=", bad));
  }
  for (const char* bad : {"algorithm=sha1", "algorithm=MD5", "algorithm=SHA-1", "algorithm="}) {
    edits.push_back(field("algorithm=", bad));
  }
  for (const char* bad : {"digits=5", "digits=9", "digits=-6", "digits=6.0", "digits=0x6",
                          "digits=+6", "digits=", "digits=06a"}) {
    edits.push_back(field("digits=", bad));
  }
  for (const char* bad :
       {"counter=-1", "counter=18446744073709551616", "counter=abc", "counter=1e3", "counter="}) {
    edits.push_back(field("counter=", bad));
  }
  for (const char* bad : {"created=-1", "created=99999999999999999999", "created=now"}) {
    edits.push_back(field("created=", bad));
  }
  for (const std::string& bad : std::vector<std::string>{
           "secret=", "secret=GEZDGNBV", "secret=" + secret.substr(7) + "1",
           "secret=" + Repeat("A", 300), "secret=GEZD=GNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
           "secret=" + secret.substr(7) + "\xff", "secret=" + secret.substr(7, 5)}) {
    edits.push_back(field("secret=", bad));
  }
  for (const char* key :
       {"id=", "name=", "type=", "algorithm=", "digits=", "counter=", "created=", "secret="}) {
    edits.push_back(Edit{std::string("missing ") + key, [=](const std::string& t) {
                           std::string f = FieldOf(t, key);
                           return Replace(t, " " + f, "");
                         }});
  }
  return edits;
}

// "sum <first 16 bytes of SHA-256 in hex>" sealed slot, NUL-padded (totp-store(5)).
std::string SealedSlot(const std::string& body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), digest.data(), &len, EVP_sha256(), nullptr);
  std::string slot = body + "sum ";
  for (size_t i = 0; i < 16; ++i) {
    slot.push_back("0123456789abcdef"[digest[i] >> 4]);
    slot.push_back("0123456789abcdef"[digest[i] & 15]);
  }
  slot += "\n";
  slot.resize(kStateSlotSize, '\0');
  return slot;
}

std::vector<Edit> StateFileEdits(const std::string& device_id) {
  const std::string head = "pam_totp-state 1\nseq 9\nfailures 0\nlast_failure 0\n";
  auto sealed = [&](const std::string& what, const std::string& body) {
    return Edit{what, [=](const std::string&) {
                  return SealedSlot(body) + std::string(kStateSlotSize, '\0');
                }};
  };
  auto raw = [](const std::string& what, const std::string& file) {
    return Edit{what, [=](const std::string&) { return file; }};
  };
  return {
      raw("one byte", "x"),
      raw("one slot", SealedSlot(head)),
      raw("4095 bytes", std::string(4095, '\0')),
      raw("4097 bytes", std::string(4097, '\0')),
      raw("garbage", Repeat("garbage!", 512)),
      raw("bad checksums", Replace(SealedSlot(head), "seq 9", "seq 8") +
                               Replace(SealedSlot(head), "seq 9", "seq 7")),
      sealed("version 2", Replace(head, "state 1", "state 2")),
      sealed("negative failures", Replace(head, "failures 0", "failures -1")),
      sealed("fractional failures", Replace(head, "failures 0", "failures 1.5")),
      sealed("no seq", Replace(head, "seq 9\n", "")),
      sealed("no failures", Replace(head, "failures 0\n", "")),
      sealed("unknown line", head + "colour red\n"),
      sealed("short device id", head + "device 0123 5 5\n"),
      sealed("negative step", head + "device " + device_id + " -1 0\n"),
      sealed("step too big", head + "device " + device_id + " 18446744073709551616 0\n"),
      sealed("bad recovery", head + "recovery xyz 1\n"),
      sealed("bad resync", head + "resync " + device_id + " x 0\n"),
      sealed("NUL in record", head + std::string("device \0", 8) + device_id + " 1 1\n"),
      raw("checksum over junk", SealedSlot("junk\n") + std::string(kStateSlotSize, '\0')),
  };
}

// Each edit written over the user's file, then a login with the right code: denied. The valid
// file is put back after each, and the right code still works at the end.
void HostileStoreFilesAreRefused(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  const std::string devices = pam.DevicesPath("alice"), state = devices + ".state";
  const std::string r = HotpCode(key, 0);
  // Make the state file hold a real record: a wrong code, then undo its failure count.
  assert_int_equal(pam.Authenticate("alice", "000000").result, PAM_AUTH_ERR);
  assert_true(ResetFailures(*OpenStoreOrFail(pam.store_template()), "alice").ok());
  const std::string valid_devices = testing::ReadFile(devices);
  const std::string valid_state = testing::ReadFile(state);
  const std::string id = FieldOf(valid_devices, "id=").substr(3);
  int count = 0;
  for (const auto& [path, edits, valid] :
       {std::tuple{devices, DeviceFileEdits(valid_devices), valid_devices},
        std::tuple{state, StateFileEdits(id), valid_state}}) {
    for (const Edit& edit : edits) {
      testing::WriteFile(path, edit.second(valid), 0600);
      PamRun run = pam.Authenticate("alice", r);
      testing::WriteFile(path, valid, 0600);
      if (run.result != PAM_AUTH_ERR || !LogContains(run.log, "store error, denied: ")) {
        std::string log;
        for (const std::string& line : run.log) log += line + "\n";
        fail_msg("%s: '%s' gave %d:\n%s", path.c_str(), edit.first.c_str(), run.result,
                 log.c_str());
      }
      ++count;
    }
  }
  // Paths: a component too long for the file system (refused as a bad setting), a file where a
  // directory must be, and a path 300 directories deep that does not exist (denied).
  testing::WriteFile(pam.dir() + "/plain", "", 0600);
  for (const std::string& store :
       {pam.dir() + "/" + Repeat("d", 300) + "/%u", pam.dir() + "/plain/%u",
        pam.dir() + "/store/" + Repeat("deep/", 300) + "%u"}) {
    pam.SetModuleArgs("store=" + store);
    PamRun run = pam.Authenticate("alice", r);
    if (run.result != PAM_AUTH_ERR && run.result != PAM_SERVICE_ERR) {
      fail_msg("store=%s: result %d", store.substr(0, 80).c_str(), run.result);
    }
    ++count;
  }
  pam.SetModuleArgs("");
  assert_int_equal(pam.Authenticate("alice", r).result, PAM_SUCCESS);
  tried += count;
  print_message("hostile: %d devices files, state files and store paths refused\n", count);
}

// Configuration lines and module arguments: the module fails closed (PAM_SERVICE_ERR) without
// asking for a code.
void HostileConfigurationIsRefused(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  const std::string conf = pam.dir() + "/pam_totp.conf";
  std::vector<std::string> lines = {
      "window = 11",
      "window = -1",
      "window = 1.5",
      "window = 0x1",
      "window = 1e1",
      "window =",
      "window",
      "= 1",
      "window = 1 # comment",
      "window = \xd9\xa1",
      "window = 99999999999999999999",
      "window = +1",
      "window = \"\"",
      "max_failures = 0",
      "max_failures = 1001",
      "lockout_time = -1",
      "lockout_time = 31622401",
      "hotp_window = 0",
      "hotp_window = 101",
      "prompt =",
      "prompt = " + Repeat("p", 201),
      "prompt = \"a\x01"
      "b\"",
      "prompt = a\x1b[2Jb",
      "issuer = " + Repeat("i", 101),
      "store = relative/%u",
      "store = /var/lib/pam_totp/fixed",
      "store = /var/lib/../pam_totp/%u",
      "store = /var/lib/./pam_totp/%u",
      "store = ~alice/%u",
      "store = /tmp/%u/../x",
      "store = %u",
      "store = ~",
      "store =",
      "unknown = 1",
      "Window = 1",
      "window = 1\nwindow = 1",
      "window = 1\nwindow = 2",
      std::string("window = 1\0", 11),
      std::string("\0", 1),
      "[pam_totp]",
      "window: 1",
      "window == 1",
      "\xef\xbb\xbfwindow = 1",
      "window = 1\n" + Repeat("#", 70000),
      "allow_self_enroll = maybe",
      "max_devices = 0",
      "max_devices = 33",
      "allowed_digits = 9",
      "allowed_digits = 6,6",
      "allowed_algorithms = md5",
      "allowed_periods = 0",
  };
  int count = 0;
  for (const std::string& line : lines) {
    testing::WriteFile(conf, line + "\n", 0644);
    PamRun run = pam.Authenticate("alice", HotpCode(key, 0));
    if (run.result != PAM_SERVICE_ERR || run.prompts != 0) {
      fail_msg("config line #%d (%s): result %d, %d prompts", count, line.substr(0, 40).c_str(),
               run.result, run.prompts);
    }
    ++count;
  }
  testing::WriteFile(conf, "", 0644);
  for (const std::string& args : std::vector<std::string>{
           "window=abc", "store=", "config=" + pam.dir() + "/missing.conf", "nullok=1", "unknown",
           "prompt=", "window", "exempt_group=", "only_group=a,b", "enroll=always",
           "max_failures=-5", "store=relative/%u", "debug=yes", "WINDOW=1"}) {
    pam.SetModuleArgs(args);
    PamRun run = pam.Authenticate("alice", HotpCode(key, 0));
    if (run.result != PAM_SERVICE_ERR) fail_msg("argument %s: result %d", args.c_str(), run.result);
    ++count;
  }
  pam.SetModuleArgs("");
  // The file itself: writable by others, a symlink, a directory.
  for (const std::function<void()>& spoil : std::vector<std::function<void()>>{
           [&] { chmod(conf.c_str(), 0666); }, [&] { chmod(conf.c_str(), 0664); },
           [&] {
             unlink(conf.c_str());
             if (symlink((pam.dir() + "/elsewhere").c_str(), conf.c_str()) != 0) fail();
           },
           [&] {
             unlink(conf.c_str());
             mkdir(conf.c_str(), 0755);
           }}) {
    std::filesystem::remove_all(conf);
    testing::WriteFile(conf, "", 0644);
    spoil();
    PamRun run = pam.Authenticate("alice", HotpCode(key, 0));
    assert_int_equal(run.result, PAM_SERVICE_ERR);
    ++count;
  }
  std::filesystem::remove_all(conf);
  testing::WriteFile(conf, "", 0644);
  assert_int_equal(pam.Authenticate("alice", HotpCode(key, 0)).result, PAM_SUCCESS);
  tried += count;
  print_message(
      "hostile: %d configuration lines, module arguments and config files refused "
      "(PAM_SERVICE_ERR, no prompt)\n",
      count);
}

// Regression (found by fuzz/state_file_fuzzer): a state slot whose last_failure is above
// INT64_MAX was read as a negative time; the slot the next login wrote ("last_failure -...")
// could not be read back, so every later login saw the older slot again and a spent code was
// accepted a second time. A failure count above UINT32_MAX wrapped to a small one. Such a slot
// must be refused as damaged.
void StateNumbersOutOfRangeAreRefused(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  const std::string state = pam.DevicesPath("alice") + ".state";
  for (const std::string field : {"last_failure 9223372036854775808", "failures 4294967296"}) {
    const std::string body = "pam_totp-state 1\nseq 9\nfailures 0\nlast_failure 0\n";
    testing::WriteFile(
        state,
        SealedSlot(field.starts_with("failures") ? Replace(body, "failures 0", field)
                                                 : Replace(body, "last_failure 0", field)) +
            std::string(kStateSlotSize, '\0'),
        0600);
    const std::string r = HotpCode(key, 0);
    PamRun first = pam.Authenticate("alice", r);
    PamRun second = pam.Authenticate("alice", r);
    if (second.result == PAM_SUCCESS) fail_msg("%s: a code was accepted twice", field.c_str());
    assert_int_equal(first.result, PAM_AUTH_ERR);
    assert_true(LogContains(
        first.log, "state slot: number out of range for " + field.substr(0, field.find(' '))));
    tried += 1;
  }
}

// A state slot, checksum right, whose last failure lies at the end of time (a clock once set
// absurdly far ahead, or a damaged file): the lockout and the backoff it starts must hold, not
// wrap around into the past, and nothing may overflow (UBSan checks that in the sanitizer build).
void FailureTimesAtTheEndOfTimeDoNotUnlock(void**) {
  PamFixture pam;
  const std::string key = EnrollHotp(pam.store_template(), "alice", "token");
  const std::string state = pam.DevicesPath("alice") + ".state";
  for (const std::string failures : {"25", "5"}) {  // locked out; in backoff
    testing::WriteFile(state,
                       SealedSlot("pam_totp-state 1\nseq 9\nfailures " + failures +
                                  "\nlast_failure 9223372036854775807\n") +
                           std::string(kStateSlotSize, '\0'),
                       0600);
    PamRun run = pam.Authenticate("alice", HotpCode(key, 0));
    if (run.result != PAM_AUTH_ERR) {
      fail_msg("failures %s at the end of time: result %d", failures.c_str(), run.result);
    }
    tried += 1;
  }
}

}  // namespace
}  // namespace pamtotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pamtotp::HostileCodesAreRefused),
      cmocka_unit_test(pamtotp::HostileUserNamesAreRefused),
      cmocka_unit_test(pamtotp::HostileStoreFilesAreRefused),
      cmocka_unit_test(pamtotp::HostileConfigurationIsRefused),
      cmocka_unit_test(pamtotp::StateNumbersOutOfRangeAreRefused),
      cmocka_unit_test(pamtotp::FailureTimesAtTheEndOfTimeDoNotUnlock),
  };
  int failed = cmocka_run_group_tests(tests, nullptr, nullptr);
  std::printf("hostile: %d bad inputs tried in all%s\n", pamtotp::tried,
              failed == 0 ? ", every one refused" : "");
  return failed;
}
