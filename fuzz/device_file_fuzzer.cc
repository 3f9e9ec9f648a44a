// ParseDeviceFile on any bytes (the secrets file). Properties: what it accepts can be written
// (SerializeDeviceFile refuses only what the parser refuses), the written file parses to the
// same enrollment, and writing that again gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/store_format.h"
#include "fuzz/fuzz_check.h"

namespace {

bool SameDevice(const pamtotp::Device& a, const pamtotp::Device& b) {
  return a.id == b.id && a.name == b.name && a.secret.view() == b.secret.view() &&
         a.algorithm == b.algorithm && a.digits == b.digits && a.created == b.created &&
         a.type == b.type &&
         (a.type == pamtotp::OtpType::kTotp ? a.period == b.period : a.counter == b.counter);
}

bool SameRecovery(const pamtotp::RecoverySet& a, const pamtotp::RecoverySet& b) {
  return a.id == b.id && a.created == b.created && a.params.log2_n == b.params.log2_n &&
         a.params.r == b.params.r && a.params.p == b.params.p && a.salt == b.salt &&
         a.hashes == b.hashes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pamtotp::Result<pamtotp::Enrollment> parsed = pamtotp::ParseDeviceFile(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == pamtotp::Status::Code::kCorruption);
    return 0;
  }
  FUZZ_CHECK(parsed->devices.size() <= pamtotp::kMaxDevices);
  for (const pamtotp::Device& d : parsed->devices) FUZZ_CHECK(pamtotp::ValidateDevice(d).ok());
  pamtotp::Result<pamtotp::SecretBytes> written = pamtotp::SerializeDeviceFile(*parsed);
  FUZZ_CHECK(written.ok());
  FUZZ_CHECK(written->size() <= pamtotp::kMaxDeviceFileSize);
  pamtotp::Result<pamtotp::Enrollment> reread = pamtotp::ParseDeviceFile(written->view());
  FUZZ_CHECK(reread.ok());
  FUZZ_CHECK(reread->devices.size() == parsed->devices.size());
  for (size_t i = 0; i < parsed->devices.size(); ++i) {
    FUZZ_CHECK(SameDevice(parsed->devices[i], reread->devices[i]));
  }
  FUZZ_CHECK(parsed->recovery.has_value() == reread->recovery.has_value());
  if (parsed->recovery) FUZZ_CHECK(SameRecovery(*parsed->recovery, *reread->recovery));
  pamtotp::Result<pamtotp::SecretBytes> rewritten = pamtotp::SerializeDeviceFile(*reread);
  FUZZ_CHECK(rewritten.ok());
  FUZZ_CHECK(rewritten->view() == written->view());
  return 0;
}
