// ParseOtpauthUri on any text (totp and hotp URIs). Property: a key it accepts, built again into a
// URI (when BuildOtpauthUri accepts its names and length), parses to the same key. The account is
// compared without leading spaces: after "issuer:" the parser drops them, as the Key Uri Format
// allows.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/otpauth_uri.h"
#include "fuzz/fuzz_check.h"

namespace {

std::string_view WithoutLeadingSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pamtotp::Result<pamtotp::OtpauthKey> key = pamtotp::ParseOtpauthUri(text);
  if (!key.ok()) return 0;
  FUZZ_CHECK(!key->secret.empty());
  FUZZ_CHECK(key->digits >= pamtotp::kMinDigits && key->digits <= pamtotp::kMaxDigits);
  FUZZ_CHECK(key->period >= pamtotp::kMinPeriod && key->period <= pamtotp::kMaxPeriod);
  pamtotp::Result<pamtotp::SecretBytes> uri = pamtotp::BuildOtpauthUri(*key);
  if (!uri.ok()) return 0;
  FUZZ_CHECK(uri->size() <= pamtotp::kMaxUriLength);
  pamtotp::Result<pamtotp::OtpauthKey> again = pamtotp::ParseOtpauthUri(uri->view());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->issuer == key->issuer);
  FUZZ_CHECK(WithoutLeadingSpaces(again->account) == WithoutLeadingSpaces(key->account));
  FUZZ_CHECK(again->secret.view() == key->secret.view());
  FUZZ_CHECK(again->algorithm == key->algorithm);
  FUZZ_CHECK(again->digits == key->digits);
  FUZZ_CHECK(again->type == key->type);
  if (key->type == pamtotp::OtpType::kTotp) {
    FUZZ_CHECK(again->period == key->period);
  } else {
    FUZZ_CHECK(again->counter == key->counter);
  }
  return 0;
}
