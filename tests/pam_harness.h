// Drives the built pam_totp.so through the real libpam: a PAM service file in a temp
// directory (pam_start_confdir), a scripted conversation, and the module's syslog lines
// captured by interposing glibc's syslog entry points in the test executable.
#ifndef PAMTOTP_TESTS_PAM_HARNESS_H_
#define PAMTOTP_TESTS_PAM_HARNESS_H_

#include <string>
#include <vector>

#include "core/otp.h"
#include "tests/test_support.h"

namespace pamtotp::testing {

// Every syslog line logged in this process since the last call (then forgotten).
std::vector<std::string> TakeLogLines();
// True if some captured line contains `needle`.
bool LogContains(const std::vector<std::string>& lines, const std::string& needle);

struct PamRun {
  int result = -1;          // what pam_authenticate returned
  int prompts = 0;          // how many prompts the conversation saw
  std::string last_prompt;  // the text of the last one
  int last_style = 0;       // PAM_PROMPT_ECHO_OFF ...
  std::vector<std::string> log;
};

// A throwaway PAM configuration directory with one service "pamtotp-test" whose auth stack is
// `auth required <built pam_totp.so> config=<dir>/pam_totp.conf store=<dir>/store/%u.totp
// <args>`. The store directory is created with mode 0700.
class PamFixture {
 public:
  explicit PamFixture(const std::string& module_args = "", const std::string& config_text = "");
  const std::string& dir() const { return dir_.path(); }
  std::string store_template() const { return dir_.path() + "/store/%u.totp"; }
  std::string DevicesPath(const std::string& user) const {
    return dir_.path() + "/store/" + user + ".totp";
  }
  // Rewrites the service file with other module arguments, and `more_lines` after the module.
  void SetModuleArgs(const std::string& module_args, const std::string& more_lines = "");
  // The same with `before_lines` (whole "auth ..." lines, each ending in '\n') ahead of the module.
  void SetStack(const std::string& before_lines, const std::string& module_args,
                const std::string& after_lines);
  // Runs pam_authenticate for `user`; `answer` sees each message (style, text) and returns the
  // reply for prompts. PAM_TEXT_INFO and PAM_ERROR_MSG texts are collected in `shown`.
  using Answerer = std::function<std::string(int style, const std::string& text)>;
  PamRun AuthenticateWith(const std::string& user, const Answerer& answer,
                          std::vector<std::string>* shown = nullptr) const;
  // Runs pam_acct_mgmt for `user` (the service file needs an "account" line).
  PamRun AccountCheck(const std::string& user) const;
  // Enrolls a device for `user` straight through core; returns its base32 key.
  std::string Enroll(const std::string& user, const std::string& name,
                     HashAlgorithm algorithm = HashAlgorithm::kSha1, int digits = 6,
                     int period = 30);
  // Runs pam_authenticate for `user`, answering every prompt with `answer`.
  PamRun Authenticate(const std::string& user, const std::string& answer) const;

 private:
  TempDir dir_;
};

}  // namespace pamtotp::testing

#endif  // PAMTOTP_TESTS_PAM_HARNESS_H_
