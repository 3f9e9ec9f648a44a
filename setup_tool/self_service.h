// Self-service (totpctl(1), SELF-SERVICE): a user other than root whose devices live in the
// store root owns reaches it through the setuid-root totpctl-helper. totpctl makes the key,
// shows it and checks the typed-back code as usual; the helper checks the policy, the key and
// the approval code, and writes the store. It acts for the caller only and never takes a path,
// a user name or a configuration from totpctl.
#ifndef PAMTOTP_SETUP_TOOL_SELF_SERVICE_H_
#define PAMTOTP_SETUP_TOOL_SELF_SERVICE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/device.h"
#include "core/recovery.h"
#include "core/secret_bytes.h"
#include "core/store.h"
#include "core/verifier.h"
#include "setup_tool/args.h"
#include "setup_tool/context.h"
#include "setup_tool/helper/protocol.h"

namespace pamtotp::totpctl {

// The helper totpctl runs: fixed when totpctl is built.
std::string_view HelperPath();

// True if this run goes through the helper: the caller is not root, gave neither --store nor
// --config (the helper honours neither), and the configured store is not in home directories
// (which users own and reach themselves).
bool UsesHelper(const Options& options, const Config& config);

// Runs the helper with one request and returns its "ok" reply. A refusal comes back as a
// Status holding the helper's message; a missing or broken helper as one that says what the
// administrator must install.
Result<helper::Message> CallHelper(const helper::Message& request);

// The store as the helper's "status" shows it, for the commands that only look: ReadDevices
// and ReadState give the caller's devices without their secrets, and a recovery set of the
// right size without its hashes. EditDevices and UpdateState refuse: changes go through the
// functions below.
std::unique_ptr<Store> OpenHelperStore();

// Asks for the code that approves a change: a current code from one of the user's devices or
// a recovery code. nullopt if none came (the reason has been printed).
std::optional<SecretBytes> AskForApproval(std::string_view change);

// The changes through the helper; each asks for an approval code when the user has devices
// already, prints its errors and returns an exit status. `confirmation`: the code the app
// showed for the new device, if one was checked (the helper checks it again and marks it used).
int SelfServiceEnroll(Context& context, const Device& device, const SecretBytes* confirmation);
int SelfServiceRemove(const std::string& name);
int SelfServiceRename(const std::string& name, const std::string& new_name);
Result<Outcome> SelfServiceVerify(const SecretBytes& input);

// show-qr and recovery-codes through the helper ("show" needs allow_self_show; both need an
// approval code, asked for here). The device comes with its key; the recovery set holds only
// its size and time (the hashes stay in the store) next to the codes to show once.
Result<Device> SelfServiceShow(const std::string& name);
Result<NewRecoveryCodes> SelfServiceRecoveryCodes(Context& context, size_t count);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_SELF_SERVICE_H_
