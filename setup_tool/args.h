// totpctl's command line: what the user asked for, parsed and checked before anything runs.
//
// Parsing is pure (no files, no environment) so every usage error is found before the store is
// touched, and it reports the first problem as an InvalidArgument Status whose message names
// the option and what to type instead. Exit status 2 goes with such errors.
#ifndef PAMTOTP_SETUP_TOOL_ARGS_H_
#define PAMTOTP_SETUP_TOOL_ARGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/otp.h"
#include "core/status.h"

namespace pamtotp::totpctl {

// Exit statuses, documented in --help and totpctl(1).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;        // the store or the system refused; not found
inline constexpr int kExitUsage = 2;         // the command line is wrong
inline constexpr int kExitNotConfirmed = 3;  // enrollment code not confirmed; nothing saved

enum class Command { kNone, kEnroll, kList, kRemove };
enum class QrMode { kUtf8, kNone };

struct Options {
  Command command = Command::kNone;
  bool help = false;     // --help: print the help of `command` (or the general help)
  bool version = false;  // --version

  // Global options.
  std::optional<std::string> config_path;  // --config; when set, the file must exist
  std::optional<std::string> store;        // --store: overrides the config's store template
  std::optional<std::string> user;         // --user: root only (checked when running)

  // enroll
  std::optional<std::string> name;    // --name; unset: first free of device, device-2...
  std::optional<std::string> issuer;  // --issuer; unset: config issuer, else the host name
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
  int digits = 6;
  int period = 30;  // seconds
  QrMode qr = QrMode::kUtf8;
  bool confirm = true;  // false with --no-confirm
  bool json = false;    // enroll and list

  // remove
  std::string device;  // the NAME operand
  bool yes = false;    // --yes: do not ask
};

// Parses argv[1..]. Global options may come before or after the command.
Result<Options> ParseArgs(const std::vector<std::string_view>& args);

// An issuer apps will show unchanged: 1-100 bytes, none of ':' '&' '#' '?' '+' or control
// characters, and not "Steam" (some apps switch to Steam's code format for it).
Status CheckIssuer(std::string_view issuer);

// The help text for `command` (kNone: the general help).
std::string HelpText(Command command);
std::string VersionText();

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_ARGS_H_
