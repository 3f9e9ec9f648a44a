// Module arguments ("store=... window=2 nullok debug"), parsed over the config file.
#ifndef PAMTOTP_PAM_MODULE_OPTIONS_H_
#define PAMTOTP_PAM_MODULE_OPTIONS_H_

#include <string>

#include "core/config.h"
#include "core/status.h"

namespace pamtotp::pam {

// Where the code comes from (pam_unix's names): ask, or take the previous module's
// PAM_AUTHTOK first.
enum class PassMode {
  kAsk,           // default: always prompt
  kTryFirstPass,  // use PAM_AUTHTOK if it is set, else prompt
  kUseFirstPass,  // use PAM_AUTHTOK; never prompt
  kForwardPass,   // one prompt "password+code": the code is cut off the end, the rest becomes
                  // PAM_AUTHTOK for the modules that follow
};

enum class EnrollMode { kNone, kFirstLogin };

struct Options {
  Config config;  // config file values with module arguments applied on top
  bool nullok = false;
  bool debug = false;
  bool echo = false;  // show the code while it is typed (PAM_PROMPT_ECHO_ON)
  PassMode pass_mode = PassMode::kAsk;
  std::string exempt_group;  // members are not asked (PAM_IGNORE)
  std::string only_group;    // if set, only members are asked; others get PAM_IGNORE
  EnrollMode enroll = EnrollMode::kNone;
};

// Reads config= (default /etc/security/pam_totp.conf, optional) and applies every argument.
// Unknown arguments and bad values are errors: the module then fails closed.
Result<Options> ParseOptions(int argc, const char** argv);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_OPTIONS_H_
