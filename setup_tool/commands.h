// The totpctl commands. Each prints its own output and errors and returns the exit status
// (see args.h).
#ifndef PAMTOTP_SETUP_TOOL_COMMANDS_H_
#define PAMTOTP_SETUP_TOOL_COMMANDS_H_

#include <string_view>
#include <vector>

#include "setup_tool/args.h"
#include "setup_tool/context.h"

namespace pamtotp::totpctl {

int RunEnroll(const Options& options, Context& context);
int RunList(const Options& options, Context& context);
int RunRemove(const Options& options, Context& context);

// The whole program after main(): parses, dispatches, returns the exit status.
int Main(const std::vector<std::string_view>& args);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_COMMANDS_H_
