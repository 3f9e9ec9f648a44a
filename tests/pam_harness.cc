#include "tests/pam_harness.h"

#include <security/pam_appl.h>
#include <sys/stat.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "core/base32.h"
#include "core/random.h"
#include "core/store.h"

namespace pamtotp::testing {

__attribute__((format(printf, 1, 0))) void Capture(const char* format, va_list args);

namespace {

std::mutex log_mutex;
std::vector<std::string>& LogLines() {
  static std::vector<std::string> lines;
  return lines;
}

}  // namespace

void Capture(const char* format, va_list args) {
  char buf[2048];
  std::vsnprintf(buf, sizeof buf, format, args);
  std::lock_guard<std::mutex> lock(log_mutex);
  LogLines().emplace_back(buf);
}

namespace {

struct Script {
  std::string answer;
  int prompts = 0;
  std::string last_prompt;
  int last_style = 0;
};

int Converse(int count, const struct pam_message** messages, struct pam_response** responses,
             void* appdata) {
  auto* script = static_cast<Script*>(appdata);
  auto* replies =
      static_cast<pam_response*>(std::calloc(static_cast<size_t>(count), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < count; ++i) {
    int style = messages[i]->msg_style;
    if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
      ++script->prompts;
      script->last_prompt = messages[i]->msg;
      script->last_style = style;
      replies[i].resp = strdup(script->answer.c_str());
    }
  }
  *responses = replies;
  return PAM_SUCCESS;
}

}  // namespace

std::vector<std::string> TakeLogLines() {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::vector<std::string> out;
  out.swap(LogLines());
  return out;
}

bool LogContains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const std::string& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

PamFixture::PamFixture(const std::string& module_args, const std::string& config_text) {
  WriteFile(dir_.File("pam_totp.conf"), config_text, 0644);
  if (mkdir(dir_.File("store").c_str(), 0700) != 0) throw std::runtime_error("mkdir store");
  SetModuleArgs(module_args);
}

void PamFixture::SetModuleArgs(const std::string& module_args, const std::string& more_lines) {
  WriteFile(dir_.File("pamtotp-test"),
            std::string("auth required ") + PAM_TOTP_SO + " config=" + dir_.File("pam_totp.conf") +
                " store=" + store_template() + " " + module_args + "\n" + more_lines,
            0644);
}

std::string PamFixture::Enroll(const std::string& user, const std::string& name,
                               HashAlgorithm algorithm, int digits, int period) {
  Result<std::unique_ptr<Store>> store = OpenFileStore(store_template());
  if (!store.ok()) throw std::runtime_error(store.status().message());
  Result<SecretBytes> secret = GenerateSecret(algorithm);
  Result<std::string> id = GenerateDeviceId();
  if (!secret.ok() || !id.ok()) throw std::runtime_error("random failed");
  std::string key(Base32Encode(secret->bytes()).view());
  Device device{*id,    name,   std::move(secret).value(), algorithm,
                digits, period, std::time(nullptr)};
  Status s = (*store)->EditDevices(user, [&](Enrollment& enrollment) {
    enrollment.devices.push_back(device.Clone());
    return Status::Ok();
  });
  if (!s.ok()) throw std::runtime_error(s.message());
  return key;
}

namespace {

// One PAM transaction on the fixture's service: start for `user`, `step` (pam_authenticate or
// pam_acct_mgmt), end; with the log lines it produced. `remote` sets a PAM_RHOST.
PamRun RunTransaction(const std::string& confdir, const std::string& user,
                      const struct pam_conv& conv, bool remote, int (*step)(pam_handle_t*, int)) {
  pam_handle_t* pamh = nullptr;
  PamRun run;
  TakeLogLines();
  if (pam_start_confdir("pamtotp-test", user.c_str(), &conv, confdir.c_str(), &pamh) !=
      PAM_SUCCESS) {
    throw std::runtime_error("pam_start_confdir failed");
  }
  if (remote) pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
  run.result = step(pamh, 0);
  pam_end(pamh, run.result);
  run.log = TakeLogLines();
  return run;
}

}  // namespace

PamRun PamFixture::Authenticate(const std::string& user, const std::string& answer) const {
  Script script{answer, 0, "", 0};
  struct pam_conv conv = {Converse, &script};
  PamRun run = RunTransaction(dir_.path(), user, conv, true, pam_authenticate);
  run.prompts = script.prompts;
  run.last_prompt = script.last_prompt;
  run.last_style = script.last_style;
  return run;
}

namespace {

struct Interactive {
  const PamFixture::Answerer* answer;
  std::vector<std::string>* shown;
  int prompts = 0;
};

int ConverseInteractively(int count, const struct pam_message** messages,
                          struct pam_response** responses, void* appdata) {
  auto* talk = static_cast<Interactive*>(appdata);
  auto* replies =
      static_cast<pam_response*>(std::calloc(static_cast<size_t>(count), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < count; ++i) {
    int style = messages[i]->msg_style;
    std::string text = messages[i]->msg != nullptr ? messages[i]->msg : "";
    if (style == PAM_TEXT_INFO || style == PAM_ERROR_MSG) {
      if (talk->shown != nullptr) talk->shown->push_back(text);
      continue;
    }
    ++talk->prompts;
    replies[i].resp = strdup((*talk->answer)(style, text).c_str());
  }
  *responses = replies;
  return PAM_SUCCESS;
}

}  // namespace

PamRun PamFixture::AuthenticateWith(const std::string& user, const Answerer& answer,
                                    std::vector<std::string>* shown) const {
  Interactive talk{&answer, shown, 0};
  struct pam_conv conv = {ConverseInteractively, &talk};
  PamRun run = RunTransaction(dir_.path(), user, conv, false, pam_authenticate);
  run.prompts = talk.prompts;
  return run;
}

PamRun PamFixture::AccountCheck(const std::string& user) const {
  Script script{"", 0, "", 0};
  struct pam_conv conv = {Converse, &script};
  PamRun run = RunTransaction(dir_.path(), user, conv, false, pam_acct_mgmt);
  run.prompts = script.prompts;
  return run;
}

void PamFixture::SetStack(const std::string& before_lines, const std::string& module_args,
                          const std::string& after_lines) {
  WriteFile(dir_.File("pamtotp-test"),
            before_lines + "auth required " + PAM_TOTP_SO +
                " config=" + dir_.File("pam_totp.conf") + " store=" + store_template() + " " +
                module_args + "\n" + after_lines,
            0644);
}

}  // namespace pamtotp::testing

// glibc's syslog entry points, defined in the test executable so that the module's
// pam_syslog lines (libpam calls __syslog_chk) are captured instead of sent to /dev/log.
extern "C" {
__attribute__((format(printf, 3, 4))) void __syslog_chk(int, int, const char* format, ...);
__attribute__((format(printf, 3, 0))) void __vsyslog_chk(int, int, const char* format,
                                                         va_list args);
__attribute__((format(printf, 2, 3))) void syslog(int, const char* format, ...);
__attribute__((format(printf, 2, 0))) void vsyslog(int, const char* format, va_list args);

void __syslog_chk(int, int, const char* format, ...) {
  va_list args;
  va_start(args, format);
  pamtotp::testing::Capture(format, args);
  va_end(args);
}
void __vsyslog_chk(int, int, const char* format, va_list args) {
  pamtotp::testing::Capture(format, args);
}
void syslog(int, const char* format, ...) {
  va_list args;
  va_start(args, format);
  pamtotp::testing::Capture(format, args);
  va_end(args);
}
void vsyslog(int, const char* format, va_list args) { pamtotp::testing::Capture(format, args); }
}
