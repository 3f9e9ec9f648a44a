// Settings shared by pam_totp.so and totpctl, from /etc/security/pam_totp.conf, then from
// module arguments or command-line flags (later ones win). pam_totp.conf(5) documents them.
//
// File syntax: "key = value" lines, '#' comments, blank lines. Unknown keys, bad values and
// repeated keys are errors: a typo in a security setting must not be silently ignored.
//
// The self-service policy (allow_self_*, max_devices, allowed_*) is read from the file only:
// it says what users may do with totpctl and totpctl-helper, so a module argument or a flag of
// the person being restricted must not change it.
#ifndef PAMTOTP_CORE_CONFIG_H_
#define PAMTOTP_CORE_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/otp.h"
#include "core/status.h"

namespace pamtotp {

inline constexpr std::string_view kDefaultConfigPath = "/etc/security/pam_totp.conf";
inline constexpr std::string_view kDefaultStoreTemplate = "/var/lib/pam_totp/%u.totp";
inline constexpr int kMaxWindow = 10;
inline constexpr int kMaxHotpWindow = 100;
inline constexpr int kMaxMaxFailures = 1000;
inline constexpr int64_t kMaxLockoutTime = 366LL * 24 * 3600;
inline constexpr size_t kMaxConfigFileSize = 64 * 1024;
// `store = ldap`: the directory backend (pam_totp-ldap(5)) instead of a file path template.
inline constexpr std::string_view kLdapStore = "ldap";
inline constexpr int kMaxLdapTimeout = 60;

// The directory backend's settings (ldap_* keys, from the configuration file only: they say
// which server holds the secrets and how this host proves who it is).
struct LdapConfig {
  std::vector<std::string> uris;  // tried in order; all ldap://, all ldaps:// or all ldapi://
  std::string base;               // the accounts are pamTotpUser=<name>,<base>
  std::string bind_dn;            // simple bind as this DN with the password in password_file
  std::string password_file;      // owned by root, no access for others
  bool sasl_external = false;     // SASL EXTERNAL: the TLS client certificate or ldapi peer
  bool tls = true;                // ldap:// must StartTLS; no: plain ldap:// (tests on loopback)
  std::string ca_file;            // CA certificates to check the server with
  std::string cert_file;          // client certificate and key (SASL EXTERNAL over TLS)
  std::string key_file;
  int timeout = 5;      // seconds for connecting and for each operation
  std::string library;  // the backend's shared object; empty: the installed one
};

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

  // Self-service policy: what a user other than root may do to their own devices with totpctl
  // (through totpctl-helper when the store belongs to root). Root may do everything.
  bool allow_self_enroll = true;
  bool allow_self_remove = true;
  bool allow_self_show = false;  // re-show an existing device's key and QR code
  // Devices per user, 1 to kMaxDevices; binds root too.
  int max_devices = static_cast<int>(kMaxDevices);
  // The settings a new device may have (enroll and import, root too); empty means any.
  std::vector<HashAlgorithm> allowed_algorithms;
  std::vector<int> allowed_digits;
  std::vector<int> allowed_periods;  // seconds; TOTP only

  LdapConfig ldap;
  bool UsesLdap() const { return store == kLdapStore; }
};

// What users may be allowed to do to their own devices (allow_self_enroll, allow_self_remove,
// allow_self_show). Recovery codes go with enrolling.
enum class SelfAction { kEnroll, kRemove, kShow };

// PermissionDenied, naming the key and ending in "contact your administrator", if the policy
// keeps users from doing `action` themselves. Root is not asked: callers check that.
Status CheckSelfAction(const Config& config, SelfAction action);

// Whether the policy allows a new device with these settings. The message names the setting,
// what is allowed, and the key of pam_totp.conf that decides it.
Status CheckDeviceSettings(const Config& config, OtpType type, HashAlgorithm algorithm, int digits,
                           int period);

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
