#include "setup_tool/manage.h"

#include <unistd.h>

#include <ctime>
#include <string>

#include "core/verifier.h"
#include "setup_tool/self_service.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

int Done(const std::string& text) {
  Status s = WriteOut(text);
  return s.ok() ? kExitOk : Fail(kExitFailed, s.message());
}

Status RenameIn(Store& store, const std::string& user, const std::string& from,
                const std::string& to) {
  return store.EditDevices(user, [&](Enrollment& e) {
    if (FindDeviceByName(e.devices, to) != nullptr) {
      return Status::AlreadyExists(user + " has a device named '" + to + "' already");
    }
    for (Device& d : e.devices) {
      if (d.name == from) {
        d.name = to;
        return Status::Ok();
      }
    }
    return Status::NotFound(user + " has no device named '" + from + "'");
  });
}

constexpr std::string_view kRenameHelp =
    "Usage: totpctl rename OLD NEW\n"
    "\n"
    "Renames the device called OLD to NEW. The device keeps its key, so the app needs no\n"
    "change (rename the account in the app too, if you like).\n"
    "\n";

constexpr std::string_view kVerifyHelp =
    "Usage: totpctl verify [--json]\n"
    "\n"
    "Reads a code from standard input (asking for it on a terminal) and checks it against your\n"
    "devices exactly as a login would, without logging in: it prints which device matched.\n"
    "It counts as a login attempt: a wrong code counts towards the lockout and the backoff\n"
    "between attempts, a locked-out user is refused, and an accepted code is used up (it will\n"
    "not log in again). A recovery code is accepted too, and is then used up.\n"
    "\n"
    "  --json             print the result as JSON on standard output\n"
    "\n"
    "Exit status 0 if the code was accepted, 1 if not.\n"
    "\n";

constexpr std::string_view kStatusHelp =
    "Usage: totpctl status [--json]\n"
    "\n"
    "Shows whether you are enrolled and how many devices you have, whether you are locked out,\n"
    "the failed attempts in a row and the last one, when a code was last used, and how many\n"
    "recovery codes are left. Times are UTC.\n"
    "\n"
    "  --json             print the status as JSON (times in unix seconds, null for never)\n"
    "\n";

constexpr std::string_view kUnlockHelp =
    "Usage: totpctl unlock --user NAME\n"
    "\n"
    "Clears NAME's failed attempts, which ends a lockout at once. Root only.\n"
    "\n";

}  // namespace

std::string ManageHelp(Command command) {
  switch (command) {
    case Command::kRename:
      return std::string(kRenameHelp);
    case Command::kVerify:
      return std::string(kVerifyHelp);
    case Command::kStatus:
      return std::string(kStatusHelp);
    case Command::kUnlock:
      return std::string(kUnlockHelp);
    default:
      return "";
  }
}

int RunRename(const Options& options, Context& context) {
  const std::string& from = options.device;
  const std::string& to = options.new_name;
  if (from == to) return Fail(kExitUsage, "OLD and NEW are the same name");
  Result<Enrollment> enrollment = context.store->ReadDevices(context.user);
  if (!enrollment.ok()) return StoreFailure(enrollment.status());
  if (FindDeviceByName(enrollment->devices, from) == nullptr) {
    return Fail(kExitFailed,
                context.user + " has no device named '" + from + "' (see totpctl list)");
  }
  if (FindDeviceByName(enrollment->devices, to) != nullptr) {
    return Fail(kExitFailed, context.user + " has a device named '" + to +
                                 "' already; pick another name or remove that one first");
  }
  if (context.via_helper) {
    if (int exit = SelfServiceRename(from, to); exit != kExitOk) return exit;
  } else if (Status s = RenameIn(*context.store, context.user, from, to); !s.ok()) {
    return StoreFailure(s);
  }
  return Done("Renamed device '" + from + "' of " + context.user + " to '" + to + "'.\n");
}

int RunUnlock(const Options&, Context& context) {
  if (getuid() != 0) {
    return Fail(kExitUsage, "unlock is for root only; run sudo totpctl unlock --user NAME");
  }
  Enrollment enrollment;
  UserState state;
  if (Status s = context.store->ReadState(context.user, enrollment, state); !s.ok()) {
    return StoreFailure(s);
  }
  if (enrollment.devices.empty()) {
    return Done(context.user + " has no devices enrolled; there is nothing to unlock.\n");
  }
  int64_t until = 0;
  const bool locked = IsLockedOut(state, std::time(nullptr), context.config, until);
  if (Status s = ResetFailures(*context.store, context.user); !s.ok()) return StoreFailure(s);
  const std::string count =
      std::to_string(state.failures) + " failed attempt" + (state.failures == 1 ? "" : "s");
  return Done(locked ? "Unlocked " + context.user + ": cleared " + count + ".\n"
                     : context.user + " was not locked out; cleared " + count + ".\n");
}

}  // namespace pamtotp::totpctl
