#include "pam_module/options.h"

#include <string_view>
#include <vector>

namespace pamtotp::pam {

Result<Options> ParseOptions(int argc, const char** argv) {
  std::vector<std::string_view> args;
  args.reserve(static_cast<size_t>(argc > 0 ? argc : 0));
  for (int i = 0; i < argc; ++i) args.emplace_back(argv[i]);
  return ParseModuleOptions(args);
}

}  // namespace pamtotp::pam
