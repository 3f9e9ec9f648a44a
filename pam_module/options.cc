#include "pam_module/options.h"

#include <string_view>

namespace pamtotp::pam {

Result<Options> ParseOptions(int argc, const char** argv) {
  Options options;
  std::string config_path(kDefaultConfigPath);
  bool config_given = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.starts_with("config=")) {
      config_path = std::string(arg.substr(7));
      config_given = true;
    }
  }
  if (Status s = LoadConfigFile(config_path, config_given, options.config); !s.ok()) return s;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.starts_with("config=")) continue;
    if (arg == "nullok") {
      options.nullok = true;
    } else if (arg == "debug") {
      options.debug = true;
    } else if (arg == "echo") {
      options.echo = true;
    } else if (arg == "try_first_pass") {
      options.pass_mode = PassMode::kTryFirstPass;
    } else if (arg == "use_first_pass") {
      options.pass_mode = PassMode::kUseFirstPass;
    } else if (arg == "forward_pass") {
      options.pass_mode = PassMode::kForwardPass;
    } else if (arg.starts_with("exempt_group=") || arg.starts_with("only_group=")) {
      std::string_view group = arg.substr(arg.find('=') + 1);
      if (group.empty() || group.size() > 256 || group.find(',') != std::string_view::npos) {
        return Status::InvalidArgument("module argument: " + std::string(arg) +
                                       ": give one group name");
      }
      (arg.starts_with("exempt") ? options.exempt_group : options.only_group) = group;
    } else if (arg == "enroll=first_login") {
      options.enroll = EnrollMode::kFirstLogin;
    } else if (arg == "enroll=none") {
      options.enroll = EnrollMode::kNone;
    } else if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      if (Status s = ApplySetting(options.config, arg.substr(0, eq), arg.substr(eq + 1),
                                  "module argument");
          !s.ok()) {
        return s;
      }
    } else {
      return Status::InvalidArgument("module argument: unknown option '" + std::string(arg) + "'");
    }
  }
  return options;
}

}  // namespace pamtotp::pam
