// What every totpctl command works on: the configuration, the user, and the open store.
#ifndef PAMTOTP_SETUP_TOOL_CONTEXT_H_
#define PAMTOTP_SETUP_TOOL_CONTEXT_H_

#include <memory>
#include <string>

#include "core/config.h"
#include "core/store.h"
#include "setup_tool/args.h"

namespace pamtotp::totpctl {

struct Context {
  Config config;
  std::string user;  // whose devices: the caller, or --user when run by root
  std::unique_ptr<Store> store;
  // Self-service (self_service.h): `store` only looks; changes go through totpctl-helper.
  bool via_helper = false;
};

// Loads the configuration (--config, else the default file if present), applies --store,
// resolves the user and opens the store. On failure prints the reason and returns the exit
// status to use; returns kExitOk on success.
int OpenContext(const Options& options, Context& context);

// Prints a store error ("totpctl: <message>", plus a hint for non-root callers who cannot
// reach the store) and returns kExitFailed.
int StoreFailure(const Status& status);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_CONTEXT_H_
