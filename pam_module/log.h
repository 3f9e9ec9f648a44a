// Syslog lines for one authentication attempt: who, from where, and what was decided.
// Text from outside (user and host names) is escaped so it cannot forge a log line.
#ifndef PAMTOTP_PAM_MODULE_LOG_H_
#define PAMTOTP_PAM_MODULE_LOG_H_

#include <security/pam_modules.h>

#include <string>
#include <string_view>

namespace pamtotp::pam {

// Control characters, quotes and backslashes as \xNN; cut at 128 bytes.
std::string Printable(std::string_view text);

// A PAM item as text, or "" when unset.
std::string PamItem(pam_handle_t* pamh, int type);

class Attempt {
 public:
  Attempt(pam_handle_t* pamh, std::string user);
  const std::string& user() const { return user_; }
  pam_handle_t* pamh() const { return pamh_; }
  // "user 'alice' service 'sshd' rhost '192.0.2.7': <message>" at `priority` (LOG_*).
  void Log(int priority, const std::string& message) const;

 private:
  pam_handle_t* pamh_;
  std::string user_;
  std::string context_;
};

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_LOG_H_
