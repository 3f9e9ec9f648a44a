// totpctl list, totpctl remove, and the dispatcher. Neither command ever prints a secret.
#include "setup_tool/commands.h"

#include <ctime>
#include <string>

#include "setup_tool/doctor.h"
#include "setup_tool/import.h"
#include "setup_tool/json.h"
#include "setup_tool/manage.h"
#include "setup_tool/migrate.h"
#include "setup_tool/policy.h"
#include "setup_tool/recovery_cmd.h"
#include "setup_tool/self_service.h"
#include "setup_tool/show_qr.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

// "2026-11-23 05:40" (UTC), or "never" for 0.
std::string FormatTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "never";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm;
  char text[32];
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm) == 0) {
    return "?";
  }
  return text;
}

int64_t LastUsed(const UserState& state, const Device& device) {
  const DeviceState* used = state.Find(device.id);
  return used != nullptr ? used->last_used : 0;
}

Status ListJson(const std::string& user, const std::vector<Device>& devices, const UserState& state,
                const std::optional<RecoverySet>& recovery) {
  JsonWriter json;
  json.BeginObject();
  json.Key("user");
  json.String(user);
  json.Key("devices");
  json.BeginArray();
  for (const Device& d : devices) {
    json.BeginObject();
    json.Key("name");
    json.String(d.name);
    json.Key("id");
    json.String(d.id);
    json.Key("algorithm");
    json.String(AlgorithmName(d.algorithm));
    json.Key("digits");
    json.Number(d.digits);
    json.Key("period");
    json.Number(d.period);
    json.Key("created");
    json.Number(d.created);
    json.Key("last_used");
    if (int64_t used = LastUsed(state, d); used > 0) {
      json.Number(used);
    } else {
      json.Null();
    }
    json.EndObject();
  }
  json.EndArray();
  if (recovery) AddRecoveryCodesJson(json, *recovery, state);  // only when there is a set
  json.EndObject();
  return WriteOut(json.text().view());
}

Status ListTable(const std::vector<Device>& devices, const UserState& state) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "ALGORITHM", "DIGITS", "PERIOD", "CREATED (UTC)", "LAST USED (UTC)"}};
  for (const Device& d : devices) {
    rows.push_back({d.name, std::string(AlgorithmName(d.algorithm)), std::to_string(d.digits),
                    d.type == OtpType::kHotp ? "counter" : std::to_string(d.period) + " s",
                    FormatTime(d.created), FormatTime(LastUsed(state, d))});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - row[i].size() + 2, ' ');
    }
    out += '\n';
  }
  return WriteOut(out);
}

Status RemoveDevice(Store& store, const std::string& user, const std::string& name,
                    const std::string& not_found) {
  return store.EditDevices(user, [&](Enrollment& e) {
    std::vector<Device>& list = e.devices;
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (it->name == name) {
        list.erase(it);
        return Status::Ok();
      }
    }
    return Status::NotFound(not_found);  // removed by someone else meanwhile
  });
}

bool AnswerIsYes(const SecretBytes& answer) {
  std::string_view text = answer.view();
  return text == "y" || text == "Y" || text == "yes" || text == "Yes" || text == "YES";
}

}  // namespace

int RunList(const Options& options, Context& context) {
  Enrollment enrollment;
  UserState state;
  if (Status s = context.store->ReadState(context.user, enrollment, state); !s.ok()) {
    return StoreFailure(s);
  }
  const std::vector<Device>& devices = enrollment.devices;
  Status written = Status::Ok();
  if (options.json) {
    written = ListJson(context.user, devices, state, enrollment.recovery);
  } else if (devices.empty()) {
    written = WriteOut(context.user + " has no devices enrolled.\n");
  } else {
    written = ListTable(devices, state);
  }
  if (written.ok() && !options.json && enrollment.recovery) {
    written = WriteOut(RecoveryCodesLine(*enrollment.recovery, state));
  }
  return written.ok() ? kExitOk : Fail(kExitFailed, written.message());
}

int RunRemove(const Options& options, Context& context) {
  const std::string& name = options.device;
  const std::string not_found = context.user + " has no device named '" + name + "'";
  Result<Enrollment> enrollment = context.store->ReadDevices(context.user);
  if (!enrollment.ok()) return StoreFailure(enrollment.status());
  if (FindDeviceByName(enrollment->devices, name) == nullptr) {
    return Fail(kExitFailed, not_found);
  }
  if (int exit = CheckAllowed(context.config, SelfAction::kRemove); exit != kExitOk) return exit;

  if (!options.yes) {
    if (!StdinIsTerminal()) {
      return Fail(kExitUsage, "refusing to remove without --yes when not on a terminal");
    }
    WriteErr("Remove device '" + name + "' of " + context.user + "? [y/N] ");
    SecretBytes answer;
    if (ReadLine(answer, 16) != ReadOutcome::kLine) WriteErr("\n");
    if (!AnswerIsYes(answer)) return Fail(kExitFailed, "nothing removed");
  }
  if (context.via_helper) {  // self_service.h: the helper wants an approval code
    if (int exit = SelfServiceRemove(name); exit != kExitOk) return exit;
  } else if (Status s = RemoveDevice(*context.store, context.user, name, not_found); !s.ok()) {
    return StoreFailure(s);
  }
  Status written = WriteOut("Removed device '" + name + "' of " + context.user + ".\n");
  return written.ok() ? kExitOk : Fail(kExitFailed, written.message());
}

int Main(const std::vector<std::string_view>& args) {
  Result<Options> options = ParseArgs(args);
  if (!options.ok()) {
    Fail(kExitUsage, options.status().message());
    WriteErr("Run 'totpctl --help' for usage.\n");
    return kExitUsage;
  }
  if (options->help || options->version) {
    Status s = WriteOut(options->help ? HelpText(options->command) : VersionText());
    return s.ok() ? kExitOk : Fail(kExitFailed, s.message());
  }
  if (options->command == Command::kDoctor) return RunDoctor(*options);
  // migrate opens a store per user and side, not the caller's.
  if (options->command == Command::kMigrate) return RunMigrate(*options);
  Context context;
  if (int exit = OpenContext(*options, context); exit != kExitOk) return exit;
  switch (options->command) {
    case Command::kEnroll:
      return RunEnroll(*options, context);
    case Command::kList:
      return RunList(*options, context);
    case Command::kRemove:
      return RunRemove(*options, context);
    case Command::kRename:
      return RunRename(*options, context);
    case Command::kVerify:
      return RunVerify(*options, context);
    case Command::kStatus:
      return RunStatus(*options, context);
    case Command::kUnlock:
      return RunUnlock(*options, context);
    case Command::kImport:
      return RunImport(*options, context);
    case Command::kRecoveryCodes:
      return RunRecoveryCodes(*options, context);
    case Command::kShowQr:
      return RunShowQr(*options, context);
    case Command::kDoctor:
    case Command::kMigrate:
    case Command::kNone:
      break;
  }
  return Fail(kExitUsage, "no command given; totpctl --help lists the commands");
}

}  // namespace pamtotp::totpctl
