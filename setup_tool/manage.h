// totpctl rename, verify, status and unlock: a user's devices and login state, never a secret.
// Each works on the store directly, or through totpctl-helper in self-service (self_service.h).
#ifndef PAMTOTP_SETUP_TOOL_MANAGE_H_
#define PAMTOTP_SETUP_TOOL_MANAGE_H_

#include <string>

#include "setup_tool/args.h"
#include "setup_tool/context.h"

namespace pamtotp::totpctl {

// rename OLD NEW: the device keeps its key, its id and its used steps.
int RunRename(const Options& options, Context& context);

// verify: reads a code from standard input and checks it as a login would (core VerifyInput):
// the same lockout and backoff, a failure counted for a wrong code, and the time step used up
// on success. Exit status 0 if it was accepted, 1 if not.
int RunVerify(const Options& options, Context& context);

// status: enrolled or not, device count, lockout, failures, last failure, last use, recovery
// codes left. Reads only.
int RunStatus(const Options& options, Context& context);

// unlock: root only; clears the failure count and so the lockout (core ResetFailures).
int RunUnlock(const Options& options, Context& context);

// The help text of rename, verify, status and unlock, before the global options.
std::string ManageHelp(Command command);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_MANAGE_H_
