// Base32Decode on any text; Base32Encode on any bytes. Properties: a decoded key re-encodes to
// canonical text that decodes to the same bytes; any bytes survive encode then decode.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base32.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pamtotp::SecretBytes;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pamtotp::Result<SecretBytes> decoded = pamtotp::Base32Decode(text);
  if (decoded.ok()) {
    FUZZ_CHECK(!decoded->empty());
    SecretBytes canonical = pamtotp::Base32Encode(decoded->bytes());
    pamtotp::Result<SecretBytes> again = pamtotp::Base32Decode(canonical.view());
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->view() == decoded->view());
  }
  // The input as raw key bytes (the encoder's limit is the decoder's, in letters).
  if (size > 0 && size * 8 <= pamtotp::kMaxBase32Length * 5) {
    SecretBytes encoded = pamtotp::Base32Encode({data, size});
    for (char c : encoded.view()) FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'));
    pamtotp::Result<SecretBytes> back = pamtotp::Base32Decode(encoded.view());
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->view() == text);
  }
  return 0;
}
