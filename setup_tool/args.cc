#include "setup_tool/args.h"

#include <algorithm>
#include <cctype>

#include "core/config.h"
#include "core/device.h"
#include "core/store_path.h"
#include "setup_tool/doctor.h"
#include "setup_tool/import.h"
#include "setup_tool/migrate.h"
#include "setup_tool/qr.h"
#include "setup_tool/qr_file.h"
#include "setup_tool/recovery_cmd.h"

namespace pamtotp::totpctl {
namespace {

// Which commands accept an option.
constexpr unsigned kForEnroll = 1;
constexpr unsigned kForList = 2;
constexpr unsigned kForRemove = 4;
// manage.h and doctor.h commands.
constexpr unsigned kForRename = 1u << 8;
constexpr unsigned kForVerify = 1u << 9;
constexpr unsigned kForStatus = 1u << 10;
constexpr unsigned kForUnlock = 1u << 11;
constexpr unsigned kForDoctor = 1u << 12;
// import.h, recovery_cmd.h and show_qr.h commands.
constexpr unsigned kForImport = 1u << 16;
constexpr unsigned kForRecoveryCodes = 1u << 17;
constexpr unsigned kForShowQr = 1u << 18;
// migrate.h
constexpr unsigned kForMigrate = 1u << 24;
// Global options apply to every command, present and future.
constexpr unsigned kForAll = ~0u;

struct OptionSpec {
  std::string_view name;
  bool takes_value;
  unsigned commands;
};

constexpr OptionSpec kOptions[] = {
    {"--config", true, kForAll},
    {"--store", true, kForAll},
    {"--user", true, kForAll},
    {"--help", false, kForAll},
    {"--version", false, kForAll},
    {"--name", true, kForEnroll | kForImport},
    {"--algorithm", true, kForEnroll | kForImport},
    {"--digits", true, kForEnroll | kForImport},
    {"--period", true, kForEnroll | kForImport},
    {"--issuer", true, kForEnroll | kForShowQr | kForImport},
    {"--label", true, kForEnroll},
    {"--qr", true, kForEnroll | kForShowQr | kForImport},
    {"--qr-file", true, kForEnroll | kForShowQr | kForImport},
    {"--no-confirm", false, kForEnroll},
    {"--json", false,
     kForEnroll | kForList | kForVerify | kForStatus | kForDoctor | kForImport | kForRecoveryCodes |
         kForShowQr},
    {"--yes", false, kForRemove},
    {"--root", true, kForDoctor},
    {"--pam-dir", true, kForDoctor},
    {"--module-dir", true, kForDoctor},
    {"--sshd-config", true, kForDoctor},
    {"--skip", true, kForDoctor},
    {"--uri", true, kForImport},
    {"--base32", true, kForImport},
    {"--hex", true, kForImport},
    {"--hotp", false, kForImport},
    {"--counter", true, kForImport},
    {"--google-authenticator", true, kForImport},
    {"--pam-oath", true, kForImport},
    {"--csv", true, kForImport},
    {"--pskc", true, kForImport},
    {"--map", true, kForImport},
    {"--all", false, kForImport},
    {"--show", false, kForImport},
    {"--count", true, kForRecoveryCodes},
    {"--from", true, kForMigrate},
    {"--to", true, kForMigrate},
    {"--dry-run", false, kForMigrate},
};

const OptionSpec* FindOption(std::string_view name) {
  for (const OptionSpec& spec : kOptions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

unsigned CommandMask(Command command) {
  switch (command) {
    case Command::kEnroll:
      return kForEnroll;
    case Command::kList:
      return kForList;
    case Command::kRemove:
      return kForRemove;
    case Command::kRename:
      return kForRename;
    case Command::kVerify:
      return kForVerify;
    case Command::kStatus:
      return kForStatus;
    case Command::kUnlock:
      return kForUnlock;
    case Command::kDoctor:
      return kForDoctor;
    case Command::kImport:
      return kForImport;
    case Command::kRecoveryCodes:
      return kForRecoveryCodes;
    case Command::kShowQr:
      return kForShowQr;
    case Command::kMigrate:
      return kForMigrate;
    case Command::kNone:
      return kForAll;
  }
  return 0;
}

std::string_view CommandName(Command command) {
  switch (command) {
    case Command::kEnroll:
      return "enroll";
    case Command::kList:
      return "list";
    case Command::kRemove:
      return "remove";
    case Command::kRename:
      return "rename";
    case Command::kVerify:
      return "verify";
    case Command::kStatus:
      return "status";
    case Command::kUnlock:
      return "unlock";
    case Command::kDoctor:
      return "doctor";
    case Command::kImport:
      return "import";
    case Command::kRecoveryCodes:
      return "recovery-codes";
    case Command::kShowQr:
      return "show-qr";
    case Command::kMigrate:
      return "migrate";
    case Command::kNone:
      return "totpctl";
  }
  return "totpctl";
}

Status Usage(std::string message) { return Status::InvalidArgument(std::move(message)); }

Status ApplyGlobal(Options& o, std::string_view name, std::string_view value) {
  if (name == "--config") {
    if (value.empty()) return Usage("--config needs a file name");
    o.config_path = std::string(value);
  } else if (name == "--store") {
    // "ldap": the directory that pam_totp.conf's ldap_* keys describe.
    if (value != kLdapStore) {
      if (Status s = ValidateStoreTemplate(value); !s.ok()) return Usage("--store: " + s.message());
    }
    o.store = std::string(value);
  } else if (name == "--user") {
    if (Status s = ValidateUserName(value); !s.ok()) return Usage("--user: " + s.message());
    o.user = std::string(value);
  } else if (name == "--help") {
    o.help = true;
  } else if (name == "--version") {
    o.version = true;
  }
  return Status::Ok();
}

Status ApplyDoctorOption(Options::Doctor& d, std::string_view name, std::string_view value) {
  if (!value.empty() && value.front() != '/' && name != "--skip") {
    return Usage(std::string(name) + " needs an absolute path");
  }
  if (name == "--root") {
    d.root = std::string(value == "/" ? std::string_view() : value);
  } else if (name == "--pam-dir") {
    d.pam_dir = std::string(value);
  } else if (name == "--module-dir") {
    d.module_dir = std::string(value);
  } else if (name == "--sshd-config") {
    d.sshd_config = std::string(value);
  } else if (name == "--skip") {
    for (size_t start = 0; start <= value.size();) {
      size_t comma = std::min(value.find(',', start), value.size());
      std::string_view check = value.substr(start, comma - start);
      if (!IsDoctorCheck(check)) {
        return Usage("--skip: unknown check '" + std::string(check) + "'; the checks are " +
                     "module, pam, sshd, config, store, helper and clock");
      }
      d.skip.emplace_back(check);
      start = comma + 1;
    }
  }
  return Status::Ok();
}

Status ApplyCommandOption(Options& o, std::string_view name, std::string_view value) {
  if (name == "--name") {
    if (Status s = ValidateDeviceName(value); !s.ok()) return Usage("--name: " + s.message());
    o.name = std::string(value);
  } else if (name == "--algorithm") {
    std::optional<HashAlgorithm> algorithm = ParseAlgorithm(value);
    if (!algorithm) return Usage("--algorithm must be sha1, sha256 or sha512");
    o.algorithm = *algorithm;
  } else if (name == "--digits") {
    if (value != "6" && value != "8") return Usage("--digits must be 6 or 8");
    o.digits = value == "6" ? 6 : 8;
  } else if (name == "--period") {
    if (value != "30" && value != "60") return Usage("--period must be 30 or 60 (seconds)");
    o.period = value == "30" ? 30 : 60;
  } else if (name == "--issuer") {
    if (Status s = CheckIssuer(value); !s.ok()) return Usage("--issuer: " + s.message());
    o.issuer = std::string(value);
  } else if (name == "--label") {
    // The same characters apps mangle in an issuer are refused in the account name.
    Status s =
        value.size() > 100 ? Status::InvalidArgument("over 100 characters") : CheckIssuer(value);
    if (!s.ok() || value.find(':') != std::string_view::npos) {
      return Usage(
          "--label: 1-100 characters without ':', '&', '#', '?', '+' or control "
          "characters");
    }
    o.label = std::string(value);
  } else if (name == "--qr") {
    std::optional<QrMode> mode = ParseQrMode(value);
    if (!mode) return Usage("--qr must be utf8, utf8-inverted, ansi or none");
    o.qr = *mode;
  } else if (name == "--qr-file") {
    if (Status s = CheckQrFileName(value); !s.ok()) return Usage("--qr-file: " + s.message());
    o.qr_file = std::string(value);
  } else if (name == "--count") {
    return ParseRecoveryCount(value, o.recovery_count);
  } else if (IsImportOption(name)) {
    return ApplyImportOption(o, name, value);
  } else if (IsMigrateOption(name)) {
    return ApplyMigrateOption(o.migrate, name, value);
  } else if (name == "--no-confirm") {
    o.confirm = false;
  } else if (name == "--json") {
    o.json = true;
  } else if (name == "--yes") {
    o.yes = true;
  } else {
    return ApplyDoctorOption(o.doctor, name, value);
  }
  return Status::Ok();
}

Status TakeCommand(Options& o, std::vector<std::string_view>& operands) {
  if (operands.empty()) return Status::Ok();
  std::string_view word = operands.front();
  if (word == "enroll") {
    o.command = Command::kEnroll;
  } else if (word == "list") {
    o.command = Command::kList;
  } else if (word == "remove") {
    o.command = Command::kRemove;
  } else if (word == "rename") {
    o.command = Command::kRename;
  } else if (word == "verify") {
    o.command = Command::kVerify;
  } else if (word == "status") {
    o.command = Command::kStatus;
  } else if (word == "unlock") {
    o.command = Command::kUnlock;
  } else if (word == "doctor") {
    o.command = Command::kDoctor;
  } else if (word == "import") {
    o.command = Command::kImport;
  } else if (word == "recovery-codes") {
    o.command = Command::kRecoveryCodes;
  } else if (word == "show-qr") {
    o.command = Command::kShowQr;
  } else if (word == "migrate") {
    o.command = Command::kMigrate;
  } else {
    return Usage("unknown command '" + std::string(word) + "'; the commands are enroll, list, " +
                 "remove, rename, verify, status, unlock, doctor, show-qr, recovery-codes, " +
                 "import and migrate");
  }
  operands.erase(operands.begin());
  return Status::Ok();
}

// Checks what the command needs once the whole line is read.
Status CheckCommand(Options& o, const std::vector<std::string_view>& seen,
                    const std::vector<std::string_view>& operands) {
  for (std::string_view name : seen) {
    if ((FindOption(name)->commands & CommandMask(o.command)) == 0) {
      return Usage(std::string(name) + " does not apply to " + std::string(CommandName(o.command)));
    }
  }
  if (o.help || o.version) return Status::Ok();
  if (o.command == Command::kNone) {
    return Usage("no command given; totpctl --help lists the commands");
  }
  if (o.command == Command::kRemove) {
    if (operands.empty()) return Usage("remove needs the NAME of a device (see totpctl list)");
    if (operands.size() > 1) return Usage("remove takes one device name (quote names with spaces)");
    o.device = std::string(operands.front());
    return Status::Ok();
  }
  if (o.command == Command::kMigrate) return CheckMigrateOptions(o, seen, operands);
  bool operands_done = false;  // show-qr
  if (o.command == Command::kRename) {
    if (operands.size() != 2) return Usage("rename needs two operands: OLD NEW (device names)");
    if (Status s = ValidateDeviceName(operands[1]); !s.ok()) return Usage("NEW: " + s.message());
    o.device = std::string(operands[0]);
    o.new_name = std::string(operands[1]);
    return Status::Ok();
  }
  if (o.command == Command::kShowQr) {
    if (operands.size() != 1) {
      return Usage("show-qr needs the NAME of one device (see totpctl list)");
    }
    o.device = std::string(operands.front());
    operands_done = true;
  }
  if (!operands_done && !operands.empty()) {
    return Usage(std::string(CommandName(o.command)) + " takes no operand '" +
                 std::string(operands.front()) + "'");
  }
  if (o.json && o.qr != QrMode::kNone &&
      std::find(seen.begin(), seen.end(), "--qr") != seen.end()) {
    return Usage("--qr " + std::string(QrModeName(o.qr)) +
                 " does not go with --json (standard output holds only the JSON)");
  }
  if (o.command == Command::kImport) return CheckImportOptions(o, seen);
  return Status::Ok();
}

}  // namespace

Status CheckIssuer(std::string_view issuer) {
  if (issuer.empty()) return Status::InvalidArgument("the issuer is empty");
  if (issuer.size() > 100) return Status::InvalidArgument("the issuer is over 100 characters");
  for (char c : issuer) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ':' || c == '&' || c == '#' || c == '?' || c == '+') {
      return Status::InvalidArgument(
          "the issuer must not contain ':', '&', '#', '?', '+' or control characters "
          "(authenticator apps mangle them)");
    }
  }
  std::string lower(issuer);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "steam") {
    return Status::InvalidArgument(
        "the issuer 'Steam' makes FreeOTP, FreeOTP+ and Ente Auth show Steam's 5-character "
        "codes; pick another issuer");
  }
  return Status::Ok();
}

Result<Options> ParseArgs(const std::vector<std::string_view>& args) {
  Options o;
  std::vector<std::string_view> seen;
  std::vector<std::string_view> operands;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      operands.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h") arg = "--help";
    size_t eq = arg.find('=');
    std::string_view name = arg.substr(0, eq);
    const OptionSpec* spec = FindOption(name);
    if (spec == nullptr) return Usage("unknown option '" + std::string(name) + "'");
    std::string_view value;
    if (eq != std::string_view::npos) {
      if (!spec->takes_value) return Usage(std::string(name) + " takes no value");
      value = arg.substr(eq + 1);
    } else if (spec->takes_value) {
      if (i + 1 >= args.size()) return Usage(std::string(name) + " needs a value");
      value = args[++i];
    }
    if (std::find(seen.begin(), seen.end(), spec->name) != seen.end()) {
      return Usage(std::string(name) + " is given twice");
    }
    seen.push_back(spec->name);
    Status s = spec->commands == kForAll ? ApplyGlobal(o, name, value)
                                         : ApplyCommandOption(o, name, value);
    if (!s.ok()) return s;
  }
  if (Status s = TakeCommand(o, operands); !s.ok()) return s;
  if (Status s = CheckCommand(o, seen, operands); !s.ok()) return s;
  return o;
}

}  // namespace pamtotp::totpctl
