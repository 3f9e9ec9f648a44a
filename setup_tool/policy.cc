#include "setup_tool/policy.h"

#include <unistd.h>

#include <string>

#include "setup_tool/args.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {

int CheckAllowed(const Config& config, SelfAction action) {
  if (getuid() == 0) return kExitOk;
  Status s = CheckSelfAction(config, action);
  return s.ok() ? kExitOk : Fail(kExitFailed, s.message());
}

int CheckNewDevice(const Context& context, OtpType type, HashAlgorithm algorithm, int digits,
                   int period, size_t existing) {
  const Config& config = context.config;
  if (int exit = CheckAllowed(config, SelfAction::kEnroll); exit != kExitOk) return exit;
  if (Status s = CheckDeviceSettings(config, type, algorithm, digits, period); !s.ok()) {
    const std::string ask =
        getuid() == 0 ? "; change the setting or the policy" : "; contact your administrator";
    return Fail(kExitFailed, s.message() + ask);
  }
  if (existing >= static_cast<size_t>(config.max_devices)) {
    // The store's own limit, or the administrator's lower one.
    const std::string why = static_cast<size_t>(config.max_devices) == kMaxDevices
                                ? ""
                                : " (max_devices = " + std::to_string(config.max_devices) + " in " +
                                      std::string(kDefaultConfigPath) + ")";
    return Fail(kExitFailed, context.user + " already has " + std::to_string(existing) +
                                 (existing == 1 ? " device" : " devices") + ", the most allowed" +
                                 why + "; remove one first");
  }
  return kExitOk;
}

}  // namespace pamtotp::totpctl
