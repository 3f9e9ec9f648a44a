#include "setup_tool/recovery_cmd.h"

#include <charconv>
#include <ctime>

#include "setup_tool/json.h"
#include "setup_tool/policy.h"
#include "setup_tool/self_service.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

Status ShowCodes(const Options& options, const std::string& user, const NewRecoveryCodes& n) {
  if (options.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("user");
    json.String(user);
    json.Key("created");
    json.Number(n.set.created);
    json.Key("codes");
    json.BeginArray();
    for (const SecretBytes& code : n.codes) json.String(code.view());
    json.EndArray();
    json.EndObject();
    return WriteOut(json.text().view());
  }
  SecretBytes out =
      SecretBytes::FromString("New recovery codes for " + user +
                              ". Each one logs in once, in place of a code from your app:\n\n");
  for (const SecretBytes& code : n.codes) {
    out.Append("  ");
    out.Append(code);
    out.push_back('\n');
  }
  out.Append(
      "\nStore them somewhere safe now (on paper, or in a password manager): they are not "
      "shown again.\nAny earlier recovery codes no longer work.\n");
  return WriteOut(out.view());
}

}  // namespace

Status ParseRecoveryCount(std::string_view value, size_t& count) {
  size_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n == 0 ||
      n > kMaxRecoveryCodes) {
    return Status::InvalidArgument("--count must be a number from 1 to " +
                                   std::to_string(kMaxRecoveryCodes));
  }
  count = n;
  return Status::Ok();
}

size_t RecoveryCodesLeft(const RecoverySet& set, const UserState& state) {
  if (state.recovery_id != set.id) return set.hashes.size();
  size_t used = 0;
  for (size_t i = 0; i < set.hashes.size(); ++i) {
    if ((state.recovery_used >> i & 1u) != 0) ++used;
  }
  return set.hashes.size() - used;
}

std::string RecoveryCodesLine(const RecoverySet& set, const UserState& state) {
  const size_t left = RecoveryCodesLeft(set, state);
  std::string made = "?";
  const std::time_t t = static_cast<std::time_t>(set.created);
  std::tm tm;
  char text[32];
  if (gmtime_r(&t, &tm) != nullptr && std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm) > 0) {
    made = text;
  }
  const std::string total = std::to_string(set.hashes.size());
  if (left == 0) {
    return "Recovery codes: all " + total + " used (made " + made +
           " UTC); make new ones with totpctl recovery-codes.\n";
  }
  return "Recovery codes: " + std::to_string(left) + " of " + total + " left (made " + made +
         " UTC).\n";
}

void AddRecoveryCodesJson(JsonWriter& json, const RecoverySet& set, const UserState& state) {
  json.Key("recovery_codes");
  json.BeginObject();
  json.Key("left");
  json.Number(static_cast<int64_t>(RecoveryCodesLeft(set, state)));
  json.Key("total");
  json.Number(static_cast<int64_t>(set.hashes.size()));
  json.Key("created");
  json.Number(set.created);
  json.EndObject();
}

int RunRecoveryCodes(const Options& options, Context& context) {
  if (int exit = CheckAllowed(context.config, SelfAction::kEnroll); exit != kExitOk) return exit;
  const std::string none = context.user +
                           " has no devices enrolled; enroll one first (recovery codes stand in "
                           "for a lost device, they do not replace one)";
  Result<Enrollment> enrolled = context.store->ReadDevices(context.user);
  if (!enrolled.ok()) return StoreFailure(enrolled.status());
  if (enrolled->devices.empty()) return Fail(kExitFailed, none);

  Result<NewRecoveryCodes> made = Status::Internal("no recovery codes made");
  if (context.via_helper) {  // self_service.h: the helper makes and stores them
    made = SelfServiceRecoveryCodes(context, options.recovery_count);
    if (!made.ok()) return Fail(kExitFailed, made.status().message());
  } else {
    made = GenerateRecoveryCodes(options.recovery_count, std::time(nullptr));
    if (!made.ok()) return Fail(kExitFailed, made.status().message());
    Status saved = context.store->EditDevices(context.user, [&](Enrollment& enrollment) {
      if (enrollment.devices.empty()) return Status::NotFound(none);  // removed meanwhile
      enrollment.recovery = made->set;
      return Status::Ok();
    });
    if (!saved.ok()) return StoreFailure(saved);
  }
  if (Status s = ShowCodes(options, context.user, *made); !s.ok()) {
    return Fail(kExitFailed, "the new recovery codes were saved but could not be shown (" +
                                 s.message() + "); run totpctl recovery-codes again");
  }
  return kExitOk;
}

std::string RecoveryCodesHelp() {
  return "Usage: totpctl recovery-codes [--count N] [--json]\n"
         "\n"
         "Makes a new set of one-time recovery codes (abcd-efgh-ijkl) and shows them once. A\n"
         "recovery code logs in once in place of a code from an app, for the day a phone is\n"
         "lost. Only their hashes are stored; the earlier set, imported scratch codes included,\n"
         "stops working. totpctl list shows how many codes are left. Needs an enrolled device.\n"
         "\n"
         "  --count N          how many codes, 1 to 32 (default: 10)\n"
         "  --json             print the codes as JSON\n"
         "\n";
}

}  // namespace pamtotp::totpctl
