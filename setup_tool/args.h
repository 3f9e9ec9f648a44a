// totpctl's command line: what the user asked for, parsed and checked before anything runs.
//
// Parsing is pure (no files, no environment) so every usage error is found before the store is
// touched, and it reports the first problem as an InvalidArgument Status whose message names
// the option and what to type instead. Exit status 2 goes with such errors.
#ifndef PAMTOTP_SETUP_TOOL_ARGS_H_
#define PAMTOTP_SETUP_TOOL_ARGS_H_

#include <cstdint>
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

enum class Command {
  kNone,
  kEnroll,
  kList,
  kRemove,
  kRename,  // manage.h
  kVerify,
  kStatus,
  kUnlock,
  kDoctor,         // doctor.h
  kImport,         // import.h
  kRecoveryCodes,  // recovery_cmd.h
  kShowQr,         // show_qr.h
  kMigrate,        // migrate.h
};
enum class QrMode { kUtf8, kUtf8Inverted, kAnsi, kNone };  // see qr.h
enum class ImportSource { kNone, kUri, kBase32, kHex, kGoogleAuthenticator, kPamOath, kCsv, kPskc };

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
  std::optional<std::string> label;   // --label: the account name in apps; unset: the user
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
  int digits = 6;
  int period = 30;  // seconds
  QrMode qr = QrMode::kUtf8;
  bool confirm = true;  // false with --no-confirm
  bool json = false;    // enroll and list

  // remove
  std::string device;  // the NAME operand (rename: OLD)
  bool yes = false;    // --yes: do not ask

  // rename
  std::string new_name;  // the NEW operand

  // enroll, show-qr, import --show
  std::optional<std::string> qr_file;  // --qr-file: a new .png or .svg file

  // import (import.h)
  ImportSource import_source = ImportSource::kNone;
  // --uri/--base32/--hex: the key text, or "-" to read it from standard input. A secret: a view
  // of argv (ParseArgs' arguments must outlive the Options), never copied into a std::string.
  std::string_view import_value;
  std::string import_file;              // --google-authenticator/--pam-oath/--csv/--pskc FILE
  std::optional<std::string> map_file;  // --map FILE (serial,user) for --pskc
  bool hotp = false;                    // --hotp: counter-based token
  std::optional<uint64_t> counter;      // --counter N
  bool all = false;                     // --all: every user in the file (root only)
  bool show = false;                    // --show: show the key and QR code afterwards

  // recovery-codes
  size_t recovery_count = 10;  // --count

  // migrate (migrate.h): between the file store `files` and the configured store
  struct Migrate {
    std::string files;               // --from or --to: the file store's path template
    bool to_files = false;           // --to: from the configured store into `files`
    bool dry_run = false;            // --dry-run
    std::vector<std::string> users;  // the USER operands; none: every user the source lists
  } migrate;

  // doctor: where it looks, so a test can point it at a fake layout (see doctor.h)
  struct Doctor {
    std::string root;                        // --root: prefix of every path inspected
    std::optional<std::string> pam_dir;      // --pam-dir (default ROOT/etc/pam.d)
    std::optional<std::string> module_dir;   // --module-dir (default: where pam_unix.so is)
    std::optional<std::string> sshd_config;  // --sshd-config: a file of `sshd -T` output
    std::vector<std::string> skip;           // --skip a,b: checks not to run
  } doctor;
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
