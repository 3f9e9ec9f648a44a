// PercentDecode on any text; PercentEncode on any text. Properties: decoding yields a NUL byte
// only where the text had one (a "%00" escape is refused); encoded text holds only unreserved
// characters and escapes, and decodes back to the original whenever the original has no NUL (a
// "%00" escape is refused by design).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/otpauth_uri.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pamtotp::Result<std::string> decoded = pamtotp::PercentDecode(text);
  if (decoded.ok()) {
    if (text.find('\0') == std::string_view::npos) {
      FUZZ_CHECK(decoded->find('\0') == std::string::npos);
    }
    FUZZ_CHECK(decoded->size() <= text.size());
  }
  std::string encoded = pamtotp::PercentEncode(text);
  FUZZ_CHECK(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-._~%") == std::string::npos);
  pamtotp::Result<std::string> back = pamtotp::PercentDecode(encoded);
  if (text.find('\0') == std::string_view::npos) {
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(*back == text);
  } else {
    FUZZ_CHECK(!back.ok());
  }
  return 0;
}
