// The module end to end: pam_authenticate through the real libpam (pam_start_confdir, a private
// service directory and store under $TMPDIR), the fuzz input as what the person answers. The
// first byte picks the scene (service file and user, see kScenes); for the scenes marked
// kUserFromInput the user name is the text before the first NUL and the answer the rest. An
// answer is a C string: everything after a NUL byte is lost on the way, as for any PAM
// application.
//
// The clock is fixed: this executable defines time(), which the loaded module binds to, so the
// seed corpus can hold right codes. Each run starts from fresh login state (the state files are
// removed), so backoff never sleeps and every run is reproducible.
//
// Properties: PAM_SUCCESS only for a user with a device and an answer whose code part (the
// last 6 or 8 characters with forward_pass) is right by an independent computation; the same
// answer right after a success is refused (replay).
#include <dlfcn.h>
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/otp.h"
#include "core/store.h"
#include "core/verifier.h"
#include "fuzz/fuzz_check.h"

namespace {

constexpr time_t kNow = 1700000000;  // 2023-11-14 22:13:20 UTC

enum UserSource { kFixedUser, kUserFromInput };

struct SceneSpec {
  const char* service;  // a file in the service directory
  const char* user;     // nullptr: from the input
  int code_length;      // forward_pass: the length of the code at the end of the answer
};

// Users: alice (TOTP SHA1, 6 digits), bob (TOTP SHA256, 8 digits, 60 s), carl (HOTP); root has
// nothing enrolled in this store, so enroll=first_login offers it a device (first-login
// enrollment is only for names with a passwd entry).
constexpr SceneSpec kScenes[] = {
    {"ask", "alice", 0},        {"echo", "alice", 0},
    {"forward", "alice", 6},    {"forward", "bob", 8},
    {"ask", "carl", 0},         {"ask", nullptr, 0},
    {"first_login", "root", 0}, {"nullok_try_first", nullptr, 0},
};

struct Device {
  const char* user;
  const char* key;
  pamtotp::HashAlgorithm algorithm;
  int digits;
  int period;
  pamtotp::OtpType type;
};

constexpr Device kDevices[] = {
    {"alice", "12345678901234567890", pamtotp::HashAlgorithm::kSha1, 6, 30,
     pamtotp::OtpType::kTotp},
    {"bob", "12345678901234567890123456789012", pamtotp::HashAlgorithm::kSha256, 8, 60,
     pamtotp::OtpType::kTotp},
    {"carl", "abcdefghij0123456789", pamtotp::HashAlgorithm::kSha1, 6, 30, pamtotp::OtpType::kHotp},
};

std::string& Dir() {
  static std::string* dir = new std::string;
  return *dir;
}

// How the runs ended, printed at exit: a fuzzer that never reaches PAM_SUCCESS proves little.
struct Tally {
  long success = 0, denied = 0, other = 0, replays_refused = 0;
};
Tally& Counts() {
  static Tally* tally = new Tally;
  return *tally;
}

void AtExit() {
  std::filesystem::remove_all(Dir());
  const Tally& t = Counts();
  std::fprintf(stderr,
               "pam_conversation: %ld PAM_SUCCESS (%ld replays refused), %ld denied, %ld other\n",
               t.success, t.replays_refused, t.denied, t.other);
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  FUZZ_CHECK(out.good());
}

void Enroll(pamtotp::Store& store, const Device& d, int index) {
  pamtotp::Device device{"00000000000000a" + std::to_string(index),
                         "device",
                         pamtotp::SecretBytes::FromString(d.key),
                         d.algorithm,
                         d.digits,
                         d.period,
                         kNow - 86400,
                         d.type,
                         0};
  pamtotp::Status s = store.EditDevices(d.user, [&](pamtotp::Enrollment& e) {
    e.devices.push_back(device.Clone());
    return pamtotp::Status::Ok();
  });
  FUZZ_CHECK(s.ok());
}

void SetUp() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/pamtotp-fuzz.XXXXXX";
  FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr);
  Dir() = pattern;
  std::atexit(AtExit);
  FUZZ_CHECK(mkdir((Dir() + "/store").c_str(), 0700) == 0);
  WriteText(Dir() + "/pam_totp.conf", "max_failures = 1000\n");
  chmod((Dir() + "/pam_totp.conf").c_str(), 0644);
  const std::string common = std::string("auth required ") + PAM_TOTP_SO + " config=" + Dir() +
                             "/pam_totp.conf store=" + Dir() + "/store/%u.totp ";
  WriteText(Dir() + "/ask", common + "\n");
  WriteText(Dir() + "/echo", common + "echo\n");
  WriteText(Dir() + "/forward", common + "forward_pass\n");
  WriteText(Dir() + "/first_login", common + "enroll=first_login\n");
  WriteText(Dir() + "/nullok_try_first", common + "nullok try_first_pass\n");
  pamtotp::Result<std::unique_ptr<pamtotp::Store>> store =
      pamtotp::OpenFileStore(Dir() + "/store/%u.totp");
  FUZZ_CHECK(store.ok());
  for (size_t i = 0; i < std::size(kDevices); ++i)
    Enroll(**store, kDevices[i], static_cast<int>(i));
  // Keep the module loaded between runs, so its coverage counters stay in one place.
  FUZZ_CHECK(dlopen(PAM_TOTP_SO, RTLD_NOW | RTLD_NODELETE) != nullptr);
}

void ResetState() {
  for (const Device& d : kDevices) unlink((Dir() + "/store/" + d.user + ".totp.state").c_str());
  unlink((Dir() + "/store/root.totp").c_str());
  unlink((Dir() + "/store/root.totp.state").c_str());
}

int Converse(int count, const struct pam_message** messages, struct pam_response** responses,
             void* appdata) {
  const char* answer = static_cast<const char*>(appdata);
  auto* replies =
      static_cast<pam_response*>(std::calloc(static_cast<size_t>(count), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < count; ++i) {
    int style = messages[i]->msg_style;
    if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
      replies[i].resp = strdup(answer);
    }
  }
  *responses = replies;
  return PAM_SUCCESS;
}

int Authenticate(const char* service, const std::string& user, const std::string& answer) {
  struct pam_conv conv = {Converse, const_cast<char*>(answer.c_str())};
  pam_handle_t* pamh = nullptr;
  FUZZ_CHECK(pam_start_confdir(service, user.c_str(), &conv, Dir().c_str(), &pamh) == PAM_SUCCESS);
  pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
  int rc = pam_authenticate(pamh, 0);
  pam_end(pamh, rc);
  return rc;
}

// True if `typed` (the code part of the answer) is a right code for `user` at kNow with the
// default windows, computed here without the module.
bool RightCode(const std::string& user, std::string_view typed) {
  pamtotp::Result<pamtotp::SecretBytes> code = pamtotp::NormalizeCode(typed);
  if (!code.ok()) return false;
  for (const Device& d : kDevices) {
    if (user != d.user) continue;
    pamtotp::SecretBytes key = pamtotp::SecretBytes::FromString(d.key);
    uint64_t first = 0, last = 9;  // HOTP: hotp_window 10 from counter 0
    if (d.type == pamtotp::OtpType::kTotp) {
      first = static_cast<uint64_t>(kNow / d.period) - 1;  // window 1
      last = first + 2;
    }
    for (uint64_t c = first; c <= last; ++c) {
      pamtotp::Result<uint32_t> v = pamtotp::Hotp(key, c, d.algorithm, d.digits);
      FUZZ_CHECK(v.ok());
      if (pamtotp::FormatCode(*v, d.digits).view() == code->view()) return true;
    }
  }
  return false;
}

}  // namespace

// The fixed clock, for the module (and core) loaded into this process.
extern "C" time_t time(time_t* out) {
  if (out != nullptr) *out = kNow;
  return kNow;
}

// The module's log lines go nowhere (libpam's pam_syslog ends in one of these).
extern "C" {
__attribute__((format(printf, 3, 4))) void __syslog_chk(int, int, const char*, ...);
__attribute__((format(printf, 3, 0))) void __vsyslog_chk(int, int, const char*, va_list);
__attribute__((format(printf, 2, 3))) void syslog(int, const char*, ...);
__attribute__((format(printf, 2, 0))) void vsyslog(int, const char*, va_list);
void __syslog_chk(int, int, const char*, ...) {}
void __vsyslog_chk(int, int, const char*, va_list) {}
void syslog(int, const char*, ...) {}
void vsyslog(int, const char*, va_list) {}
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  SetUp();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const SceneSpec& scene = kScenes[data[0] % std::size(kScenes)];
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string user = scene.user != nullptr ? scene.user : "";
  if (scene.user == nullptr) {
    size_t nul = rest.find('\0');
    user = rest.substr(0, nul);
    rest = nul == std::string::npos ? "" : rest.substr(nul + 1);
  }
  const std::string answer = rest.substr(0, rest.find('\0'));  // what a C string carries
  ResetState();
  int rc = Authenticate(scene.service, user, answer);
  FUZZ_CHECK(rc == PAM_SUCCESS || rc == PAM_AUTH_ERR || rc == PAM_IGNORE || rc == PAM_PERM_DENIED ||
             rc == PAM_USER_UNKNOWN || rc == PAM_CONV_ERR);
  (rc == PAM_SUCCESS ? Counts().success : rc == PAM_AUTH_ERR ? Counts().denied : Counts().other)++;
  if (rc != PAM_SUCCESS || std::string_view(scene.service) == "first_login") return 0;
  size_t length = static_cast<size_t>(scene.code_length);
  std::string_view code_part = answer;
  if (length > 0 && answer.size() >= length) code_part = code_part.substr(answer.size() - length);
  FUZZ_CHECK(RightCode(user, code_part));
  FUZZ_CHECK(Authenticate(scene.service, user, answer) != PAM_SUCCESS);  // replay
  Counts().replays_refused++;
  return 0;
}
