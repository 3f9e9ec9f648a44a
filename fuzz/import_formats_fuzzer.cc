// The files "totpctl import" reads: the first byte picks the parser (google-authenticator file,
// pam_oath users file, token CSV, serial map, PSKC XML, the XML reader itself, hex, base64).
// These parsers only read; "totpctl import" checks each token (key length, digits, period)
// before anything is saved, so the property here is memory safety and termination, and that a
// device's settings and key can be read in full.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "fuzz/fuzz_check.h"
#include "setup_tool/import_formats.h"
#include "setup_tool/import_xml.h"

namespace {

using pamtotp::totpctl::ImportedToken;

void CheckToken(const ImportedToken& t) {
  size_t sum = 0;
  for (uint8_t b : t.device.secret.bytes()) sum += b;
  FUZZ_CHECK(sum <= t.device.secret.size() * 255);
  FUZZ_CHECK(t.device.type == pamtotp::OtpType::kTotp || t.device.type == pamtotp::OtpType::kHotp);
}

void CheckTokens(const pamtotp::Result<std::vector<ImportedToken>>& tokens) {
  if (!tokens.ok()) return;
  for (const ImportedToken& t : tokens.value()) CheckToken(t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pamtotp::totpctl;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 8) {
    case 0: {
      pamtotp::Result<GoogleAuthenticatorFile> file = ParseGoogleAuthenticatorFile(text);
      if (file.ok()) {
        CheckToken(file->token);
        for (const pamtotp::SecretBytes& code : file->scratch_codes) {
          FUZZ_CHECK(code.size() == 8);
        }
      }
      break;
    }
    case 1:
      CheckTokens(ParsePamOathUsersFile(text));
      break;
    case 2:
      CheckTokens(ParseTokenCsv(text));
      break;
    case 3:
      (void)ParseSerialMap(text).ok();
      break;
    case 4:
      CheckTokens(ParsePskc(text));
      break;
    case 5: {
      pamtotp::Result<XmlElement> root = ParseXml(text);
      if (root.ok()) (void)XmlUnescape(root->text).ok();
      break;
    }
    case 6:
      (void)HexDecode(text).ok();
      break;
    case 7:
      (void)Base64Decode(text).ok();
      break;
  }
  return 0;
}
