#include "pam_module/log.h"

#include <security/pam_ext.h>

namespace pamtotp::pam {

std::string Printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text.substr(0, 128)) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\' || c == '\'') {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > 128) out += "...";
  return out;
}

std::string PamItem(pam_handle_t* pamh, int type) {
  const void* value = nullptr;
  if (pam_get_item(pamh, type, &value) != PAM_SUCCESS || value == nullptr) return "";
  return static_cast<const char*>(value);
}

Attempt::Attempt(pam_handle_t* pamh, std::string user) : pamh_(pamh), user_(std::move(user)) {
  std::string rhost = PamItem(pamh, PAM_RHOST);
  context_ = "user '" + Printable(user_) + "' service '" + Printable(PamItem(pamh, PAM_SERVICE)) +
             "' rhost '" + Printable(rhost.empty() ? "local" : rhost) + "'";
}

void Attempt::Log(int priority, const std::string& message) const {
  pam_syslog(pamh_, priority, "%s: %s", context_.c_str(), message.c_str());
}

}  // namespace pamtotp::pam
