#include "pam_module/code_input.h"

#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <syslog.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

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

// One prompt; the answer goes into `answer`.
Decision Ask(const Attempt& attempt, int style, const std::string& prompt, SecretBytes& answer) {
  char* raw = nullptr;
  int rc = pam_prompt(attempt.pamh(), style, &raw, "%s", prompt.c_str());
  Reply reply(raw);
  if (rc == PAM_BUF_ERR) return Decision::kOutOfMemory;
  if (rc != PAM_SUCCESS || raw == nullptr) {
    attempt.Log(LOG_ERR, std::string("the conversation failed: ") +
                             pam_strerror(attempt.pamh(), rc == PAM_SUCCESS ? PAM_CONV_ERR : rc));
    return Decision::kConversationError;
  }
  answer = SecretBytes::FromString(raw);
  return Decision::kAllow;
}

// The previous module's PAM_AUTHTOK into `input`; false if it is unset or empty.
bool TakeAuthtok(pam_handle_t* pamh, SecretBytes& input) {
  const void* item = nullptr;
  if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS || item == nullptr) return false;
  std::string_view text(static_cast<const char*>(item));
  if (text.empty()) return false;
  input = SecretBytes::FromString(text);
  return true;
}

// Sets PAM_AUTHTOK to `password` (wiped by libpam when replaced or at pam_end).
Decision HandOn(const Attempt& attempt, SecretBytes& password) {
  password.push_back('\0');  // pam_set_item copies a C string
  int rc = pam_set_item(attempt.pamh(), PAM_AUTHTOK, password.data());
  password.Clear();
  if (rc == PAM_BUF_ERR) return Decision::kOutOfMemory;
  if (rc != PAM_SUCCESS) {
    attempt.Log(LOG_ERR, std::string("forward_pass: cannot set PAM_AUTHTOK: ") +
                             pam_strerror(attempt.pamh(), rc));
    return Decision::kDeny;
  }
  return Decision::kAllow;
}

// One "password+code" prompt: the code is cut off the end, the password handed on.
Decision ForwardPass(const Attempt& attempt, const Options& options, int code_digits,
                     SecretBytes& input) {
  if (code_digits < 6 || code_digits > 8) {
    attempt.Log(LOG_ERR, "forward_pass: internal error: code length " +
                             std::to_string(code_digits) + " is not 6 to 8");
    return Decision::kDeny;
  }
  // The password is in the answer, so it is never echoed, whatever echo says.
  const std::string prompt =
      options.config.prompt == Config().prompt ? kForwardPassPrompt : options.config.prompt;
  SecretBytes answer;
  if (Decision d = Ask(attempt, PAM_PROMPT_ECHO_OFF, prompt, answer); d != Decision::kAllow) {
    return d;
  }
  const auto code_length = static_cast<size_t>(code_digits);
  if (answer.size() < code_length) {
    attempt.Log(LOG_WARNING,
                "forward_pass: the answer is shorter than a code; "
                "no password handed on");
    input = std::move(answer);
    return Decision::kAllow;
  }
  const size_t cut = answer.size() - code_length;
  input = SecretBytes::FromString(answer.view().substr(cut));
  answer.Truncate(cut);
  if (options.debug) {
    attempt.Log(LOG_DEBUG, "forward_pass: the last " + std::to_string(code_digits) +
                               " characters are the code; the rest is handed on as PAM_AUTHTOK");
  }
  return HandOn(attempt, answer);
}

}  // namespace

Decision ObtainCode(const Attempt& attempt, const Options& options, SecretBytes& input,
                    int code_digits) {
  const int style = options.echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF;
  switch (options.pass_mode) {
    case PassMode::kAsk:
      return Ask(attempt, style, options.config.prompt, input);
    case PassMode::kTryFirstPass:
      if (TakeAuthtok(attempt.pamh(), input)) {
        if (options.debug) attempt.Log(LOG_DEBUG, "try_first_pass: using PAM_AUTHTOK");
        return Decision::kAllow;
      }
      if (options.debug) attempt.Log(LOG_DEBUG, "try_first_pass: no PAM_AUTHTOK; asking");
      return Ask(attempt, style, options.config.prompt, input);
    case PassMode::kUseFirstPass:
      if (TakeAuthtok(attempt.pamh(), input)) return Decision::kAllow;
      attempt.Log(LOG_ERR, "use_first_pass: no PAM_AUTHTOK from a previous module; denied");
      return Decision::kDeny;
    case PassMode::kForwardPass:
      return ForwardPass(attempt, options, code_digits, input);
  }
  return Decision::kDeny;  // not reached: the switch is exhaustive (-Wswitch)
}

}  // namespace pamtotp::pam
