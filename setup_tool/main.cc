// totpctl: enrolls, lists and removes the TOTP devices pam_totp checks. See totpctl --help.
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "setup_tool/commands.h"

int main(int argc, char** argv) {
  try {
    std::vector<std::string_view> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return pamtotp::totpctl::Main(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "totpctl: unexpected error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "totpctl: unexpected error\n");
  }
  return pamtotp::totpctl::kExitFailed;
}
