#include "core/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <optional>
#include <vector>

#include "core/safe_file.h"
#include "core/store_path.h"

namespace pamtotp {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// A whole decimal number in [low, high], or nullopt.
std::optional<int64_t> ParseBounded(std::string_view value, int64_t low, int64_t high) {
  int64_t number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || number < low ||
      number > high) {
    return std::nullopt;
  }
  return number;
}

std::optional<bool> ParseYesNo(std::string_view value) {
  if (value == "yes") return true;
  if (value == "no") return false;
  return std::nullopt;
}

// A comma-separated list ("sha1, sha256"): every item through `parse`, none twice, at least one.
template <typename T, typename Parse>
std::optional<std::vector<T>> ParseList(std::string_view value, Parse parse) {
  std::vector<T> items;
  for (size_t start = 0; start <= value.size();) {
    size_t comma = std::min(value.find(',', start), value.size());
    std::optional<T> item = parse(Trim(value.substr(start, comma - start)));
    if (!item || std::find(items.begin(), items.end(), *item) != items.end()) return std::nullopt;
    items.push_back(*item);
    start = comma + 1;
  }
  return items;
}

std::optional<int> ParseInt(std::string_view value, int low, int high) {
  std::optional<int64_t> n = ParseBounded(value, low, high);
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

bool IsAbsolutePath(std::string_view value) {
  if (value.empty() || value.front() != '/' || value.size() > 4096) return false;
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// A distinguished name as the admin wrote it; the server checks its syntax. Only control
// characters are refused here (they would end up in log lines).
bool IsPlausibleDn(std::string_view value) {
  if (value.empty() || value.size() > 1024 || value.find('=') == std::string_view::npos) {
    return false;
  }
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// The ldap_* keys. One scheme for every URI, so that whether TLS is needed is known before
// connecting, whichever server answers.
template <typename Bad>
Status ApplyLdapSetting(LdapConfig& ldap, std::string_view key, std::string_view value,
                        const Bad& bad) {
  if (key == "ldap_uri") {
    ldap.uris.clear();
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t space = rest.find_first_of(" \t");
      std::string_view uri = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : Trim(rest.substr(space));
      if (!uri.starts_with("ldap://") && !uri.starts_with("ldaps://") &&
          !uri.starts_with("ldapi://")) {
        return bad("'" + std::string(uri) + "' is not an ldap://, ldaps:// or ldapi:// URI");
      }
      if (!ldap.uris.empty() &&
          uri.substr(0, uri.find(':')) !=
              std::string_view(ldap.uris[0]).substr(0, ldap.uris[0].find(':'))) {
        return bad("all URIs must have the same scheme (ldap://, ldaps:// or ldapi://)");
      }
      if (std::any_of(uri.begin(), uri.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20; })) {
        return bad("a URI must not hold control characters");
      }
      ldap.uris.emplace_back(uri);
    }
    if (ldap.uris.empty() || ldap.uris.size() > 16) return bad("must list 1 to 16 URIs");
  } else if (key == "ldap_base" || key == "ldap_bind_dn") {
    if (!IsPlausibleDn(value))
      return bad("must be a distinguished name (\"ou=totp,dc=example,dc=com\")");
    (key == "ldap_base" ? ldap.base : ldap.bind_dn) = std::string(value);
  } else if (key == "ldap_sasl_mech") {
    if (value != "EXTERNAL") return bad("only EXTERNAL is supported");
    ldap.sasl_external = true;
  } else if (key == "ldap_tls") {
    std::optional<bool> yes = ParseYesNo(value);
    if (!yes) return bad("must be yes or no");
    ldap.tls = *yes;
  } else if (key == "ldap_timeout") {
    std::optional<int> n = ParseInt(value, 1, kMaxLdapTimeout);
    if (!n) return bad("must be seconds from 1 to " + std::to_string(kMaxLdapTimeout));
    ldap.timeout = *n;
  } else if (key == "ldap_bind_password_file" || key == "ldap_ca_file" || key == "ldap_cert_file" ||
             key == "ldap_key_file" || key == "ldap_library") {
    if (!IsAbsolutePath(value)) return bad("must be an absolute path");
    (key == "ldap_bind_password_file" ? ldap.password_file
     : key == "ldap_ca_file"          ? ldap.ca_file
     : key == "ldap_cert_file"        ? ldap.cert_file
     : key == "ldap_key_file"         ? ldap.key_file
                                      : ldap.library) = std::string(value);
  } else {
    return bad("unknown setting");
  }
  return Status::Ok();
}

// The policy keys, from the configuration file only. Sets `known` if `key` is one.
Status ApplyPolicySetting(Config& config, std::string_view key, std::string_view value,
                          const std::string& origin, bool& known) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(origin + ": " + std::string(key) + ": " + why);
  };
  known = true;
  if (key == "allow_self_enroll" || key == "allow_self_remove" || key == "allow_self_show") {
    std::optional<bool> yes = ParseYesNo(value);
    if (!yes) return bad("must be yes or no");
    (key == "allow_self_enroll"   ? config.allow_self_enroll
     : key == "allow_self_remove" ? config.allow_self_remove
                                  : config.allow_self_show) = *yes;
  } else if (key == "max_devices") {
    std::optional<int> n = ParseInt(value, 1, static_cast<int>(kMaxDevices));
    if (!n) return bad("must be a whole number from 1 to " + std::to_string(kMaxDevices));
    config.max_devices = *n;
  } else if (key == "allowed_algorithms") {
    auto list = ParseList<HashAlgorithm>(value, ParseAlgorithm);
    if (!list) return bad("must list sha1, sha256 or sha512, separated by commas, each once");
    config.allowed_algorithms = std::move(*list);
  } else if (key == "allowed_digits") {
    auto list = ParseList<int>(value, [](std::string_view v) { return ParseInt(v, 6, 8); });
    if (!list) return bad("must list 6, 7 or 8, separated by commas, each once");
    config.allowed_digits = std::move(*list);
  } else if (key == "allowed_periods") {
    auto list = ParseList<int>(
        value, [](std::string_view v) { return ParseInt(v, kMinPeriod, kMaxPeriod); });
    if (!list) {
      return bad("must list periods in seconds (1 to 3600), separated by commas, each once");
    }
    config.allowed_periods = std::move(*list);
  } else if (key.starts_with("ldap_")) {
    return ApplyLdapSetting(config.ldap, key, value, bad);
  } else {
    known = false;
  }
  return Status::Ok();
}

template <typename T>
bool Allows(const std::vector<T>& allowed, T value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

template <typename T, typename Name>
std::string ListText(const std::vector<T>& items, Name name) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " or " : ", ";
    text += name(items[i]);
  }
  return text;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::string NotAllowed(const std::string& what, const std::string& allowed,
                       const std::string& key) {
  return what + " is not allowed here: the administrator allows " + allowed + " (" + key + " in " +
         std::string(kDefaultConfigPath) + ")";
}

}  // namespace

Status CheckSelfAction(const Config& config, SelfAction action) {
  bool allowed = false;
  std::string what, key;
  switch (action) {
    case SelfAction::kEnroll:
      allowed = config.allow_self_enroll;
      what = "enroll devices or make recovery codes";
      key = "allow_self_enroll";
      break;
    case SelfAction::kRemove:
      allowed = config.allow_self_remove;
      what = "remove devices";
      key = "allow_self_remove";
      break;
    case SelfAction::kShow:
      allowed = config.allow_self_show;
      what = "show a device's key again";
      key = "allow_self_show";
      break;
  }
  if (allowed) return Status::Ok();
  return Status::PermissionDenied(
      "your administrator does not let users " + what + " themselves (" + key + " = no in " +
      std::string(kDefaultConfigPath) + "); contact your administrator");
}

Status CheckDeviceSettings(const Config& config, OtpType type, HashAlgorithm algorithm, int digits,
                           int period) {
  auto number = [](int n) { return std::to_string(n); };
  if (!Allows(config.allowed_algorithms, algorithm)) {
    return Status::PermissionDenied(
        NotAllowed("algorithm " + Lower(AlgorithmName(algorithm)),
                   ListText(config.allowed_algorithms,
                            [](HashAlgorithm a) { return Lower(AlgorithmName(a)); }),
                   "allowed_algorithms"));
  }
  if (!Allows(config.allowed_digits, digits)) {
    return Status::PermissionDenied(NotAllowed(number(digits) + " digits",
                                               ListText(config.allowed_digits, number) + " digits",
                                               "allowed_digits"));
  }
  if (type == OtpType::kTotp && !Allows(config.allowed_periods, period)) {
    return Status::PermissionDenied(
        NotAllowed("a period of " + number(period) + " seconds",
                   ListText(config.allowed_periods, number) + " seconds", "allowed_periods"));
  }
  return Status::Ok();
}

Status ApplySetting(Config& config, std::string_view key, std::string_view value,
                    const std::string& origin) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(origin + ": " + std::string(key) + ": " + why);
  };
  if (key == "store") {
    if (value == kLdapStore) {
      config.store = std::string(value);
      return Status::Ok();
    }
    if (Status s = ValidateStoreTemplate(value); !s.ok()) return bad(s.message());
    config.store = std::string(value);
  } else if (key == "window") {
    std::optional<int64_t> n = ParseBounded(value, 0, kMaxWindow);
    if (!n) return bad("must be a whole number from 0 to " + std::to_string(kMaxWindow));
    config.window = static_cast<int>(*n);
  } else if (key == "max_failures") {
    std::optional<int64_t> n = ParseBounded(value, 1, kMaxMaxFailures);
    if (!n) return bad("must be a whole number from 1 to " + std::to_string(kMaxMaxFailures));
    config.max_failures = static_cast<int>(*n);
  } else if (key == "lockout_time") {
    std::optional<int64_t> n = ParseBounded(value, 0, kMaxLockoutTime);
    if (!n) return bad("must be seconds from 0 (until unlocked) to one year");
    config.lockout_time = *n;
  } else if (key == "hotp_window") {
    std::optional<int64_t> n = ParseBounded(value, 1, kMaxHotpWindow);
    if (!n) return bad("must be a whole number from 1 to " + std::to_string(kMaxHotpWindow));
    config.hotp_window = static_cast<int>(*n);
  } else if (key == "prompt") {
    if (value.empty() || value.size() > 200) return bad("must be 1 to 200 characters");
    for (char c : value) {
      if (static_cast<unsigned char>(c) < 0x20) return bad("must not hold control characters");
    }
    config.prompt = std::string(value);
  } else if (key == "issuer") {
    if (value.size() > 100) return bad("must be at most 100 characters");
    config.issuer = std::string(value);
  } else {
    return Status::InvalidArgument(origin + ": unknown setting '" + std::string(key) + "'");
  }
  return Status::Ok();
}

Status ParseConfigText(std::string_view text, const std::string& path, Config& config) {
  if (text.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(path + ": contains a NUL byte");
  }
  std::vector<std::string> seen;
  size_t line_number = 0;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = Trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string origin = path + " line " + std::to_string(line_number);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(origin + ": expected 'key = value'");
    }
    std::string key(Trim(line.substr(0, eq)));
    for (const std::string& k : seen) {
      if (k == key) return Status::InvalidArgument(origin + ": '" + key + "' is set twice");
    }
    seen.push_back(key);
    std::string_view value = Trim(line.substr(eq + 1));
    // A value in double quotes keeps its spaces ("Code: "); the quotes are not part of it.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    bool policy = false;
    if (Status s = ApplyPolicySetting(config, key, value, origin, policy); !s.ok()) return s;
    if (policy) continue;
    if (Status s = ApplySetting(config, key, value, origin); !s.ok()) return s;
  }
  return Status::Ok();
}

Status LoadConfigFile(const std::string& path, bool must_exist, Config& config) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT && !must_exist) return Status::Ok();
    if (err == ELOOP)
      return Status::PermissionDenied(path + " is a symlink; refusing to follow it");
    return ErrnoStatus("cannot open " + path, err);
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::PermissionDenied(path + " is not a regular file");
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return Status::PermissionDenied(path + " must be owned by root (chown root " + path + ")");
  }
  if ((st.st_mode & 022) != 0) {
    return Status::PermissionDenied(path + " is writable by group or others; run chmod 644 " +
                                    path);
  }
  if (static_cast<size_t>(st.st_size) > kMaxConfigFileSize) {
    return Status::InvalidArgument(path + " is larger than 64 KiB");
  }
  std::string text(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t total = 0;
  while (total < text.size()) {
    ssize_t n = read(fd.get(), text.data() + total, text.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read " + path, errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  if (total > static_cast<size_t>(st.st_size)) return Status::InvalidArgument(path + " grew");
  text.resize(total);
  return ParseConfigText(text, path, config);
}

}  // namespace pamtotp
