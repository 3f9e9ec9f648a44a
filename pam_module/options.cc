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
