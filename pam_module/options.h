// Module arguments ("store=... window=2 nullok debug"), parsed over the config file. The
// option list and the parser live in core (module_options.h), so that "totpctl doctor" checks
// service files with the very same rules; this is the module's name for them.
#ifndef PAMTOTP_PAM_MODULE_OPTIONS_H_
#define PAMTOTP_PAM_MODULE_OPTIONS_H_

#include "core/module_options.h"
#include "core/status.h"

namespace pamtotp::pam {

using Options = ModuleOptions;
using ::pamtotp::EnrollMode;
using ::pamtotp::PassMode;

// Reads config= (default /etc/security/pam_totp.conf, optional) and applies every argument.
// Unknown arguments and bad values are errors: the module then fails closed.
Result<Options> ParseOptions(int argc, const char** argv);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_OPTIONS_H_
