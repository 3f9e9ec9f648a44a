#include "pam_module/authenticate.h"

#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <syslog.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "core/store.h"
#include "core/store_path.h"
#include "core/verifier.h"
#include "pam_module/options.h"

namespace pamtotp::pam {
namespace {

// A conversation reply: wiped, then freed with free() as PAM requires.
struct ReplyDeleter {
  void operator()(char* reply) const {
    OPENSSL_cleanse(reply, std::strlen(reply));
    std::free(reply);
  }
};
using Reply = std::unique_ptr<char, ReplyDeleter>;

// Text from outside (user names, host names) made safe for one log line.
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

std::string Item(pam_handle_t* pamh, int type) {
  const void* value = nullptr;
  if (pam_get_item(pamh, type, &value) != PAM_SUCCESS || value == nullptr) return "";
  return static_cast<const char*>(value);
}

// Who is logging in, for every log line of this attempt.
class Attempt {
 public:
  Attempt(pam_handle_t* pamh, const char* user) : pamh_(pamh), user_(user) {
    std::string rhost = Item(pamh, PAM_RHOST);
    context_ = "user '" + Printable(user_) + "' service '" + Printable(Item(pamh, PAM_SERVICE)) +
               "' rhost '" + Printable(rhost.empty() ? "local" : rhost) + "'";
  }
  const std::string& user() const { return user_; }

  void Log(int priority, const std::string& message) const {
    pam_syslog(pamh_, priority, "%s: %s", context_.c_str(), message.c_str());
  }

 private:
  pam_handle_t* pamh_;
  std::string user_;
  std::string context_;
};

Decision AskForCode(pam_handle_t* pamh, const std::string& prompt, Reply& reply) {
  char* raw = nullptr;
  int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &raw, "%s", prompt.c_str());
  reply.reset(raw);
  if (rc == PAM_BUF_ERR) return Decision::kOutOfMemory;
  if (rc != PAM_SUCCESS || raw == nullptr) return Decision::kConversationError;
  return Decision::kAllow;
}

Decision Judge(const Attempt& attempt, const Outcome& outcome) {
  switch (outcome.verdict) {
    case Verdict::kAccepted:
      attempt.Log(LOG_NOTICE, "code accepted from device '" + Printable(outcome.device_name) +
                                  "' (step offset " + std::to_string(outcome.offset) + ")");
      return Decision::kAllow;
    case Verdict::kWrongCode:
      attempt.Log(LOG_WARNING,
                  "wrong code; " + std::to_string(outcome.failures) + " consecutive failure(s)");
      return Decision::kDeny;
    case Verdict::kReplayed:
      attempt.Log(LOG_WARNING, "code already used on device '" + Printable(outcome.device_name) +
                                   "'; replay refused; " + std::to_string(outcome.failures) +
                                   " consecutive failure(s)");
      return Decision::kDeny;
    case Verdict::kNoDevices:
      attempt.Log(LOG_WARNING, "no device enrolled; denied");
      return Decision::kDeny;
  }
  return Decision::kDeny;
}

}  // namespace

Decision Authenticate(pam_handle_t* pamh, int /*flags*/, int argc, const char** argv) {
  Result<Options> options = ParseOptions(argc, argv);
  if (!options.ok()) {
    pam_syslog(pamh, LOG_ERR, "configuration error, failing closed: %s",
               options.status().message().c_str());
    return Decision::kServiceError;
  }
  const char* user_name = nullptr;
  int rc = pam_get_user(pamh, &user_name, nullptr);
  if (rc == PAM_CONV_ERR) return Decision::kConversationError;
  if (rc != PAM_SUCCESS || user_name == nullptr) {
    pam_syslog(pamh, LOG_ERR, "cannot get the user name: %s", pam_strerror(pamh, rc));
    return Decision::kDeny;
  }
  Attempt attempt(pamh, user_name);
  if (Status s = ValidateUserName(attempt.user()); !s.ok()) {
    attempt.Log(LOG_ERR, "refusing the user name: " + s.message());
    return Decision::kDeny;
  }
  Result<std::unique_ptr<Store>> store = OpenFileStore(options->config.store);
  if (!store.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + store.status().message());
    return Decision::kDeny;
  }
  Result<std::vector<Device>> devices = (*store)->ReadDevices(attempt.user());
  if (!devices.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + devices.status().message());
    return Decision::kDeny;
  }
  if (devices->empty() && options->nullok) {
    attempt.Log(LOG_INFO, "no device enrolled; nullok, so this module is ignored");
    return Decision::kIgnore;
  }
  devices->clear();  // the secrets are not needed until VerifyCode reads them under the lock

  // Users without a device are asked too, so a prompt does not tell who is enrolled.
  Reply reply;
  if (Decision d = AskForCode(pamh, options->config.prompt, reply); d != Decision::kAllow) {
    attempt.Log(LOG_WARNING, "could not ask for the code; denied");
    return d;
  }
  const int64_t now = std::time(nullptr);
  Result<SecretBytes> code = NormalizeCode(reply.get());
  reply.reset();
  if (!code.ok()) {
    if (Status s = RecordFailure(**store, attempt.user(), now); !s.ok()) {
      attempt.Log(LOG_ERR, "store error: " + s.message());
    }
    attempt.Log(LOG_WARNING, "malformed code (" + code.status().message() + "); denied");
    return Decision::kDeny;
  }
  Result<Outcome> outcome = VerifyCode(**store, attempt.user(), *code, now, options->config.window);
  if (!outcome.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + outcome.status().message());
    return Decision::kDeny;
  }
  if (options->debug) {
    attempt.Log(LOG_DEBUG, "window " + std::to_string(options->config.window) + ", store " +
                               (*store)->Describe(attempt.user()));
  }
  return Judge(attempt, *outcome);
}

}  // namespace pamtotp::pam
