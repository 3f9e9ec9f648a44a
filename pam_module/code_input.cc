#include "pam_module/code_input.h"

#include <openssl/crypto.h>
#include <security/pam_ext.h>

#include <cstdlib>
#include <cstring>
#include <memory>

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

}  // namespace

Decision ObtainCode(const Attempt& attempt, const Options& options, SecretBytes& input) {
  char* raw = nullptr;
  int style = options.echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF;
  int rc = pam_prompt(attempt.pamh(), style, &raw, "%s", options.config.prompt.c_str());
  Reply reply(raw);
  if (rc == PAM_BUF_ERR) return Decision::kOutOfMemory;
  if (rc != PAM_SUCCESS || raw == nullptr) return Decision::kConversationError;
  input = SecretBytes::FromString(raw);
  return Decision::kAllow;
}

}  // namespace pamtotp::pam
