// The arguments of pam_totp.so in a PAM service file ("store=... window=2 nullok debug"),
// parsed over the configuration file. Free of libpam, so that the module and "totpctl doctor"
// check a service file's arguments with one parser: this file is the list of module options.
//
// Pure apart from LoadConfigFile; thread-safe.
#ifndef PAMTOTP_CORE_MODULE_OPTIONS_H_
#define PAMTOTP_CORE_MODULE_OPTIONS_H_

#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"

namespace pamtotp {

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

struct ModuleOptions {
  Config config;  // config file values with module arguments applied on top
  bool nullok = false;
  bool debug = false;
  bool echo = false;  // show the code while it is typed (PAM_PROMPT_ECHO_ON)
  PassMode pass_mode = PassMode::kAsk;
  std::string exempt_group;  // members are not asked (PAM_IGNORE)
  std::string only_group;    // if set, only members are asked; others get PAM_IGNORE
  EnrollMode enroll = EnrollMode::kNone;
};

// The configuration file the arguments name with config= (the last one wins), or
// kDefaultConfigPath; `given` tells which.
std::string ModuleConfigPath(std::span<const std::string_view> args, bool& given);

// Applies every argument except config= to `options`, whose `config` already holds the file's
// settings. Unknown arguments and bad values are InvalidArgument errors naming the argument.
Status ApplyModuleArguments(std::span<const std::string_view> args, ModuleOptions& options);

// Both: reads the configuration file (a missing file is fine unless config= names it), then
// applies the arguments. The module fails closed on any error.
Result<ModuleOptions> ParseModuleOptions(std::span<const std::string_view> args);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_MODULE_OPTIONS_H_
