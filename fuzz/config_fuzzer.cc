// ParseConfigText on any text (pam_totp.conf). Properties: whatever it accepts is within the
// limits pam_totp.conf(5) states, and parsing is deterministic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"
#include "core/store_path.h"
#include "fuzz/fuzz_check.h"

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
  FUZZ_CHECK(pamtotp::ValidateStoreTemplate(config.store).ok());
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
