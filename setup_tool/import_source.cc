// totpctl import: its options, and reading the source they name into tokens.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "core/base32.h"
#include "core/otpauth_uri.h"
#include "core/safe_file.h"
#include "core/unique_fd.h"
#include "setup_tool/import.h"
#include "setup_tool/import_text.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

struct SourceOption {
  std::string_view name;
  ImportSource source;
};

constexpr std::array<SourceOption, 7> kSources = {{
    {"--uri", ImportSource::kUri},
    {"--base32", ImportSource::kBase32},
    {"--hex", ImportSource::kHex},
    {"--google-authenticator", ImportSource::kGoogleAuthenticator},
    {"--pam-oath", ImportSource::kPamOath},
    {"--csv", ImportSource::kCsv},
    {"--pskc", ImportSource::kPskc},
}};

constexpr std::string_view kSourceList =
    "--uri, --base32, --hex, --google-authenticator, --pam-oath, --csv or --pskc";

bool IsBatch(ImportSource source) {
  return source == ImportSource::kPamOath || source == ImportSource::kCsv ||
         source == ImportSource::kPskc;
}

bool TakesKeyText(ImportSource source) {
  return source == ImportSource::kUri || source == ImportSource::kBase32 ||
         source == ImportSource::kHex;
}

// The key text of --uri/--base32/--hex: the argument, or a line of standard input for "-".
Result<SecretBytes> ReadKeyText(std::string_view value) {
  if (value != "-") return SecretBytes::FromString(value);
  SecretBytes line;
  constexpr size_t kMaxLine = 4096;
  switch (ReadLine(line, kMaxLine)) {
    case ReadOutcome::kLine:
      break;
    case ReadOutcome::kEndOfInput:
      return Status::InvalidArgument("standard input is empty; type or pipe the key into it");
    case ReadOutcome::kError:
      return ErrnoStatus("cannot read standard input", errno);
  }
  if (line.size() > kMaxLine)
    return Status::InvalidArgument("the line on standard input is too long");
  return line;
}

// A whole input file: a regular file (no symlink, FIFO or device) of at most
// kMaxImportFileSize bytes. A file of keys that others may read gets a note: its keys may be
// known to them.
Result<SecretBytes> ReadInputFile(const std::string& path, std::vector<std::string>& notes,
                                  bool holds_keys = true) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    const int err = errno;
    if (err == ELOOP)
      return Status::InvalidArgument(path + " is a symbolic link; name the file itself");
    return ErrnoStatus("cannot open " + path, err);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot examine " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxImportFileSize) {
    return Status::InvalidArgument(path + " is larger than 1 MiB");
  }
  SecretBytes contents(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = read(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read " + path, errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  contents.Truncate(done);
  if (holds_keys && (st.st_mode & 077) != 0) {
    notes.push_back(path + " can be read by users other than its owner, so its keys may be " +
                    "known to them; give those tokens new keys if that matters");
  }
  return contents;
}

// A device with the settings of --algorithm/--digits/--period or --hotp/--counter.
Device DeviceFromOptions(const Options& options, SecretBytes secret) {
  Device device;
  device.secret = std::move(secret);
  device.algorithm = options.algorithm;
  device.digits = options.digits;
  if (options.hotp) {
    device.type = OtpType::kHotp;
    device.counter = options.counter.value_or(0);
  } else {
    device.period = options.period;
  }
  return device;
}

Result<ImportedToken> TokenFromKeyText(const Options& options, const SecretBytes& text) {
  ImportedToken token;
  if (options.import_source == ImportSource::kUri) {
    token.origin = "the URI";
    Result<OtpauthKey> key = ParseOtpauthUri(text.view());
    if (!key.ok()) return key.status().WithContext("the URI");
    token.device.secret = std::move(key->secret);
    token.device.algorithm = key->algorithm;
    token.device.digits = key->digits;
    token.device.period = key->period;
    token.device.type = key->type;
    token.device.counter = key->counter;
    return token;
  }
  const bool hex = options.import_source == ImportSource::kHex;
  token.origin = hex ? "the hex key" : "the base32 key";
  Result<SecretBytes> secret = hex ? HexDecode(text.view()) : Base32Decode(text.view());
  if (!secret.ok()) return secret.status();
  token.device = DeviceFromOptions(options, std::move(secret).value());
  return token;
}

// What the google-authenticator file set that pam_totp does differently.
void NoteGoogleAuthenticatorSettings(const GoogleAuthenticatorFile& file, const Config& config,
                                     std::vector<std::string>& notes) {
  const int w = file.window_size;
  if (file.token.device.type == OtpType::kTotp && (w - 1) / 2 != config.window) {
    notes.push_back("the file's WINDOW_SIZE " + std::to_string(w) + " accepted codes up to " +
                    std::to_string((w - 1) / 2) + " steps either side of now; pam_totp uses " +
                    "window=" + std::to_string(config.window) +
                    " for everyone (window= in pam_totp.conf)");
  }
  if (file.token.device.type == OtpType::kHotp && w != config.hotp_window) {
    notes.push_back("the file's WINDOW_SIZE " + std::to_string(w) + " accepted the next " +
                    std::to_string(w) + " codes; pam_totp uses hotp_window=" +
                    std::to_string(config.hotp_window) + " (hotp_window= in pam_totp.conf)");
  }
  if (file.rate_limit) {
    notes.push_back("the file's RATE_LIMIT (" + std::to_string(file.rate_limit->first) +
                    " logins in " + std::to_string(file.rate_limit->second) +
                    " seconds) is not carried over: pam_totp slows down after failures and "
                    "locks out after max_failures=" +
                    std::to_string(config.max_failures));
  }
  if (!file.disallow_reuse && file.token.device.type == OtpType::kTotp) {
    notes.push_back("the file let a code be used twice; pam_totp never accepts a code twice");
  }
}

// PSKC users from --map: a mapped serial's user wins over the file's UserId.
Status ApplySerialMap(const std::string& path, std::vector<ImportedToken>& tokens,
                      std::vector<std::string>& notes) {
  Result<SecretBytes> text = ReadInputFile(path, notes, false);
  if (!text.ok()) return text.status();
  Result<std::vector<std::pair<std::string, std::string>>> map = ParseSerialMap(text->view());
  if (!map.ok()) return map.status().WithContext(path);
  for (const std::pair<std::string, std::string>& entry : *map) {
    const std::string& serial = entry.first;
    auto token = std::find_if(tokens.begin(), tokens.end(),
                              [&](const ImportedToken& t) { return t.serial == serial; });
    if (token == tokens.end()) {
      notes.push_back(path + ": serial " + serial + " is not in the PSKC file");
      continue;
    }
    token->user = entry.second;
  }
  return Status::Ok();
}

Result<ImportBatch> ReadBatchFile(const Options& options, ImportBatch& batch) {
  const std::string& path = options.import_file;
  Result<SecretBytes> text = ReadInputFile(path, batch.notes);
  if (!text.ok()) return text.status();
  Result<std::vector<ImportedToken>> tokens =
      options.import_source == ImportSource::kPamOath ? ParsePamOathUsersFile(text->view())
      : options.import_source == ImportSource::kCsv   ? ParseTokenCsv(text->view())
                                                      : ParsePskc(text->view());
  if (!tokens.ok()) return tokens.status().WithContext(path);
  batch.tokens = std::move(tokens).value();
  for (ImportedToken& token : batch.tokens) token.origin = path + ": " + token.origin;
  if (options.map_file) {
    if (Status s = ApplySerialMap(*options.map_file, batch.tokens, batch.notes); !s.ok()) return s;
  }
  return std::move(batch);
}

}  // namespace

bool IsImportOption(std::string_view name) {
  for (const SourceOption& option : kSources) {
    if (option.name == name) return true;
  }
  return name == "--hotp" || name == "--counter" || name == "--map" || name == "--all" ||
         name == "--show";
}

Status ApplyImportOption(Options& o, std::string_view name, std::string_view value) {
  for (const SourceOption& option : kSources) {
    if (option.name != name) continue;
    if (o.import_source != ImportSource::kNone) {
      return Status::InvalidArgument("give one source only: " + std::string(kSourceList));
    }
    if (value.empty()) return Status::InvalidArgument(std::string(name) + " needs a value");
    o.import_source = option.source;
    if (TakesKeyText(option.source)) {
      o.import_value = value;  // a secret: kept as a view of argv, never copied
    } else {
      o.import_file = std::string(value);
    }
    return Status::Ok();
  }
  if (name == "--counter") {
    std::optional<uint64_t> counter = ParseUint(value);
    if (!counter || *counter > kMaxImportCounter) {
      return Status::InvalidArgument("--counter must be a whole number from 0 to 2^62");
    }
    o.counter = *counter;
  } else if (name == "--map") {
    if (value.empty()) return Status::InvalidArgument("--map needs a file name");
    o.map_file = std::string(value);
  } else if (name == "--hotp") {
    o.hotp = true;
  } else if (name == "--all") {
    o.all = true;
  } else if (name == "--show") {
    o.show = true;
  }
  return Status::Ok();
}

Status CheckImportOptions(const Options& o, const std::vector<std::string_view>& seen) {
  auto given = [&](std::string_view name) {
    return std::find(seen.begin(), seen.end(), name) != seen.end();
  };
  auto usage = [](std::string text) { return Status::InvalidArgument(std::move(text)); };
  const ImportSource source = o.import_source;
  if (source == ImportSource::kNone)
    return usage("import needs a source: " + std::string(kSourceList));
  if (source == ImportSource::kBase32 || source == ImportSource::kHex) {
    if (o.hotp && !o.counter) {
      return usage(
          "--hotp needs --counter N (the counter the token shows next; 0 for a new token)");
    }
    if (o.hotp && given("--period")) return usage("--period does not go with --hotp");
    if (!o.hotp && o.counter) return usage("--counter goes with --hotp");
  } else {
    for (std::string_view option : {"--algorithm", "--digits", "--period", "--hotp", "--counter"}) {
      if (given(option)) {
        return usage(std::string(option) +
                     " goes with --base32 or --hex (the source names the "
                     "settings itself)");
      }
    }
  }
  if (o.map_file && source != ImportSource::kPskc) return usage("--map goes with --pskc");
  if (o.all && !IsBatch(source)) return usage("--all goes with --pam-oath, --csv or --pskc");
  if (o.all && o.name) return usage("--name does not go with --all (name devices in the file)");
  if (o.show && IsBatch(source)) {
    return usage(
        "--show goes with a single device (--uri, --base32, --hex or "
        "--google-authenticator)");
  }
  if (!o.show) {
    for (std::string_view option : {"--qr", "--qr-file", "--issuer"}) {
      if (given(option)) return usage(std::string(option) + " goes with --show");
    }
  }
  return Status::Ok();
}

Result<ImportBatch> ReadImportSource(const Options& options, const std::string& user,
                                     const Config& config) {
  ImportBatch batch;
  const ImportSource source = options.import_source;
  if (TakesKeyText(source)) {
    batch.source = source == ImportSource::kUri ? "the URI" : "the key";
    Result<SecretBytes> text = ReadKeyText(options.import_value);
    if (!text.ok()) return text.status();
    Result<ImportedToken> token = TokenFromKeyText(options, *text);
    if (!token.ok()) return token.status();
    token->user = user;
    batch.tokens.push_back(std::move(token).value());
    return batch;
  }
  batch.source = options.import_file;
  if (source != ImportSource::kGoogleAuthenticator) return ReadBatchFile(options, batch);
  Result<SecretBytes> text = ReadInputFile(options.import_file, batch.notes);
  if (!text.ok()) return text.status();
  Result<GoogleAuthenticatorFile> file = ParseGoogleAuthenticatorFile(text->view());
  if (!file.ok()) return file.status().WithContext(options.import_file);
  NoteGoogleAuthenticatorSettings(*file, config, batch.notes);
  file->token.user = user;
  file->token.origin = options.import_file;
  batch.tokens.push_back(std::move(file->token));
  batch.scratch_codes = std::move(file->scratch_codes);
  return batch;
}

}  // namespace pamtotp::totpctl
