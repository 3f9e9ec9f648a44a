// The --help and --version texts. Keep them in step with args.cc and the totpctl(1) page.
#include <string>

#include "core/config.h"
#include "setup_tool/args.h"
#include "setup_tool/doctor.h"
#include "setup_tool/import.h"
#include "setup_tool/manage.h"
#include "setup_tool/migrate.h"
#include "setup_tool/recovery_cmd.h"
#include "setup_tool/show_qr.h"

namespace pamtotp::totpctl {
namespace {

constexpr std::string_view kGlobalHelp =
    "Global options (before or after the command):\n"
    "  --config PATH      configuration file; it must exist when given (default:\n"
    "                     ";

constexpr std::string_view kGlobalHelpRest =
    ", read if present)\n"
    "  --store TEMPLATE   store path template, overriding the configuration; %u stands for\n"
    "                     the user name\n"
    "  --user NAME        act on NAME's devices instead of your own (root only)\n"
    "  --help             show this help; totpctl COMMAND --help shows a command's options\n"
    "  --version          show the version\n";

constexpr std::string_view kExitHelp =
    "Exit status:\n"
    "  0  success\n"
    "  1  the operation failed (store error, no such device, name taken, ...)\n"
    "  2  usage error (unknown option, bad value, missing operand)\n"
    "  3  enrollment not confirmed: no matching code was entered; nothing was saved\n";

constexpr std::string_view kGeneralHelp =
    "Usage: totpctl [--config PATH] [--store TEMPLATE] [--user NAME] COMMAND [options]\n"
    "\n"
    "Manages the authenticator apps (devices) whose time-based codes pam_totp accepts.\n"
    "\n"
    "Commands:\n"
    "  enroll   add a device: show its QR code and key, then check a code from the app\n"
    "  list     show your devices (never their secrets)\n"
    "  remove   remove a device by name\n"
    "  rename   give a device another name\n"
    "  verify   check a code from your app without logging in\n"
    "  status   show whether you are enrolled, locked out, and recent failures\n"
    "  unlock   clear a user's failed attempts and lockout (root only)\n"
    "  doctor   check the installation and say how to fix what is wrong\n"
    "  show-qr  show a device's QR code and key again, for a new phone\n"
    "  recovery-codes\n"
    "           make new one-time recovery codes (the old ones stop working)\n"
    "  import   add a device with an existing key: otpauth URI, hardware token,\n"
    "           google-authenticator or pam_oath file, CSV or PSKC batch\n"
    "  migrate  copy users between a file store and the configured store, such as a\n"
    "           directory server (root only)\n"
    "\n";

constexpr std::string_view kEnrollHelp =
    "Usage: totpctl enroll [--name NAME] [--algorithm sha1|sha256|sha512] [--digits 6|8]\n"
    "                      [--period 30|60] [--issuer TEXT] [--label TEXT] [--qr STYLE]\n"
    "                      [--qr-file FILE]\n"
    "                      [--no-confirm] [--json]\n"
    "\n"
    "Creates a new secret key and shows it as a QR code, as text and as an otpauth:// URI.\n"
    "Then asks for the code your app shows, and saves the device only if that code matches.\n"
    "The defaults (SHA1, 6 digits, 30 seconds) are the only settings every app gets right.\n"
    "\n"
    "  --name NAME        device name (default: device, device-2, device-3, ...)\n"
    "  --algorithm ALG    sha1 (default), sha256 or sha512\n"
    "  --digits N         6 (default) or 8\n"
    "  --period SECONDS   30 (default) or 60\n"
    "  --issuer TEXT      the name apps show with the account (default: the configured\n"
    "                     issuer, else this host's name)\n"
    "  --label TEXT       the account name apps show (default: the user name)\n"
    "  --qr STYLE         utf8 (default: light blocks, for dark terminals), utf8-inverted\n"
    "                     (dark blocks, for light terminals), ansi (colours, any\n"
    "                     terminal) or none\n"
    "  --qr-file FILE     also write the QR code to FILE, a new .png or .svg file (mode\n"
    "                     0600; it holds the key: delete it once scanned)\n"
    "  --no-confirm       save without asking for a code (check one before relying on it)\n"
    "  --json             print the new device, secret included, as JSON on standard output\n"
    "                     (no QR code; the prompt goes to standard error)\n"
    "\n";

constexpr std::string_view kListHelp =
    "Usage: totpctl list [--json]\n"
    "\n"
    "Shows the user's devices: name, settings, when each was enrolled and last used (UTC).\n"
    "Secrets are never shown.\n"
    "\n"
    "  --json             print the list as JSON (times in unix seconds; last_used is null\n"
    "                     for a device never used)\n"
    "\n";

constexpr std::string_view kRemoveHelp =
    "Usage: totpctl remove NAME [--yes]\n"
    "\n"
    "Removes the device called NAME. Asks first when run on a terminal.\n"
    "\n"
    "  --yes              do not ask (required when standard input is not a terminal)\n"
    "\n";

}  // namespace

std::string HelpText(Command command) {
  std::string text;
  switch (command) {
    case Command::kNone:
      text = kGeneralHelp;
      break;
    case Command::kEnroll:
      text = kEnrollHelp;
      break;
    case Command::kList:
      text = kListHelp;
      break;
    case Command::kRemove:
      text = kRemoveHelp;
      break;
    case Command::kRename:
    case Command::kVerify:
    case Command::kStatus:
    case Command::kUnlock:
      text = ManageHelp(command);
      break;
    case Command::kDoctor:
      text = DoctorHelp();
      break;
    case Command::kImport:
      text = ImportHelp();
      break;
    case Command::kRecoveryCodes:
      text = RecoveryCodesHelp();
      break;
    case Command::kShowQr:
      text = ShowQrHelp();
      break;
    case Command::kMigrate:
      text = MigrateHelp();
      break;
  }
  text.append(kGlobalHelp);
  text.append(kDefaultConfigPath);
  text.append(kGlobalHelpRest);
  text.append("\n");
  text.append(kExitHelp);
  return text;
}

std::string VersionText() { return "totpctl (pam_totp) " PAMTOTP_VERSION "\n"; }

}  // namespace pamtotp::totpctl
