// totpctl recovery-codes: a fresh set of one-time recovery codes, shown once and stored only
// as hashes (core/recovery.h).
#ifndef PAMTOTP_SETUP_TOOL_RECOVERY_CMD_H_
#define PAMTOTP_SETUP_TOOL_RECOVERY_CMD_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "core/device.h"
#include "core/recovery.h"
#include "setup_tool/args.h"
#include "setup_tool/context.h"
#include "setup_tool/json.h"

namespace pamtotp::totpctl {

// --count: a whole number from 1 to kMaxRecoveryCodes.
Status ParseRecoveryCount(std::string_view value, size_t& count);

// Unused codes of `set`: all of them when the state's marks belong to another set.
size_t RecoveryCodesLeft(const RecoverySet& set, const UserState& state);

// For totpctl list: "Recovery codes: 7 of 10 left (made 2026-11-23 05:40 UTC).\n", and a
// "recovery_codes" member {"left", "total", "created"} of its JSON object.
std::string RecoveryCodesLine(const RecoverySet& set, const UserState& state);
void AddRecoveryCodesJson(JsonWriter& json, const RecoverySet& set, const UserState& state);

// Replaces the user's recovery codes with options.recovery_count new ones (the old set stops
// working the moment the new one is saved) and prints them. The user must have a device.
int RunRecoveryCodes(const Options& options, Context& context);
std::string RecoveryCodesHelp();

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_RECOVERY_CMD_H_
