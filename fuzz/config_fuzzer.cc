// ParseConfigText on any text (pam_totp.conf). Properties: whatever it accepts is within the
// limits pam_totp.conf(5) states, and parsing is deterministic. The store is a path template or
// "ldap" (the directory backend, whose ldap_* settings are checked too).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/store_path.h"
#include "fuzz/fuzz_check.h"

namespace {

// What pam_totp.conf(5) promises of the ldap_* keys that were accepted (they may be set
// whatever the store is; only store = ldap uses them).
void CheckLdapSettings(const pamtotp::LdapConfig& ldap) {
  FUZZ_CHECK(ldap.uris.size() <= 16);
  for (const std::string& uri : ldap.uris) {
    FUZZ_CHECK(uri.starts_with("ldap://") || uri.starts_with("ldaps://") ||
               uri.starts_with("ldapi://"));
    FUZZ_CHECK(uri.substr(0, uri.find(':')) == ldap.uris[0].substr(0, ldap.uris[0].find(':')));
    for (char c : uri) FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20);
  }
  FUZZ_CHECK(ldap.timeout >= 1 && ldap.timeout <= pamtotp::kMaxLdapTimeout);
  for (const std::string* path :
       {&ldap.password_file, &ldap.ca_file, &ldap.cert_file, &ldap.key_file, &ldap.library}) {
    FUZZ_CHECK(path->empty() || path->front() == '/');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pamtotp::Config config;
  pamtotp::Status status = pamtotp::ParseConfigText(text, "fuzz.conf", config);
  pamtotp::Config again;
  pamtotp::Status second = pamtotp::ParseConfigText(text, "fuzz.conf", again);
  FUZZ_CHECK(status.ok() == second.ok());
  FUZZ_CHECK(status.message() == second.message());
  if (!status.ok()) {
    FUZZ_CHECK(status.message().starts_with("fuzz.conf"));
    return 0;
  }
  FUZZ_CHECK(config.UsesLdap() || pamtotp::ValidateStoreTemplate(config.store).ok());
  CheckLdapSettings(config.ldap);
  FUZZ_CHECK(config.window >= 0 && config.window <= pamtotp::kMaxWindow);
  FUZZ_CHECK(config.max_failures >= 1 && config.max_failures <= pamtotp::kMaxMaxFailures);
  FUZZ_CHECK(config.lockout_time >= 0 && config.lockout_time <= pamtotp::kMaxLockoutTime);
  FUZZ_CHECK(config.hotp_window >= 1 && config.hotp_window <= pamtotp::kMaxHotpWindow);
  FUZZ_CHECK(!config.prompt.empty() && config.prompt.size() <= 200);
  for (char c : config.prompt) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20);
  FUZZ_CHECK(config.issuer.size() <= 100);
  FUZZ_CHECK(config.store == again.store && config.window == again.window &&
             config.prompt == again.prompt && config.issuer == again.issuer);
  return 0;
}
