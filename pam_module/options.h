// Module arguments ("store=... window=2 nullok debug"), parsed over the config file.
#ifndef PAMTOTP_PAM_MODULE_OPTIONS_H_
#define PAMTOTP_PAM_MODULE_OPTIONS_H_

#include <string>

#include "core/config.h"
#include "core/status.h"

namespace pamtotp::pam {

struct Options {
  Config config;  // config file values with module arguments applied on top
  bool nullok = false;
  bool debug = false;
};

// Reads config= (default /etc/security/pam_totp.conf, optional) and applies every argument.
// Unknown arguments and bad values are errors: the module then fails closed.
Result<Options> ParseOptions(int argc, const char** argv);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_OPTIONS_H_
