// Settings shared by pam_totp.so and totpctl, from /etc/security/pam_totp.conf, then from
// module arguments or command-line flags (later ones win). pam_totp.conf(5) documents them.
//
// File syntax: "key = value" lines, '#' comments, blank lines. Unknown keys, bad values and
// repeated keys are errors: a typo in a security setting must not be silently ignored.
#ifndef PAMTOTP_CORE_CONFIG_H_
#define PAMTOTP_CORE_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace pamtotp {

inline constexpr std::string_view kDefaultConfigPath = "/etc/security/pam_totp.conf";
inline constexpr std::string_view kDefaultStoreTemplate = "/var/lib/pam_totp/%u.totp";
inline constexpr int kMaxWindow = 10;
inline constexpr int kMaxHotpWindow = 100;
inline constexpr int kMaxMaxFailures = 1000;
inline constexpr int64_t kMaxLockoutTime = 366LL * 24 * 3600;
inline constexpr size_t kMaxConfigFileSize = 64 * 1024;

struct Config {
  std::string store{kDefaultStoreTemplate};  // path template, see store_path.h
  int window = 1;                            // steps accepted either side of now
  std::string prompt = "Verification code: ";
  std::string issuer;  // shown in authenticator apps; empty: host name
  // Consecutive failures after which the user is locked out (NIST SP 800-63B: at most 100).
  int max_failures = 20;
  // Seconds a lockout lasts; 0 = until "totpctl unlock".
  int64_t lockout_time = 900;
  // HOTP devices: how many counters ahead of the last used one a code may be.
  int hotp_window = 10;
};

// Applies one "key=value" setting. `origin` ("pam_totp.conf line 3", "module argument") is
// put in front of error messages.
Status ApplySetting(Config& config, std::string_view key, std::string_view value,
                    const std::string& origin);

// Parses the text of a config file into `config`. Pure; fuzzable.
Status ParseConfigText(std::string_view text, const std::string& path, Config& config);

// Reads and parses a config file: a regular file (not a symlink), owned by root or the
// effective uid, not writable by group or others. A missing file is fine if !must_exist.
Status LoadConfigFile(const std::string& path, bool must_exist, Config& config);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_CONFIG_H_
