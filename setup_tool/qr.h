// Terminal QR codes for enrollment, drawn with libqrencode and UTF-8 half blocks.
#ifndef PAMTOTP_SETUP_TOOL_QR_H_
#define PAMTOTP_SETUP_TOOL_QR_H_

#include "core/qr_text.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp::totpctl {

// Light modules around the code (see core/qr_text.h).
inline constexpr int kQuietZone = kQrQuietZone;

// Encodes `text` (an otpauth URI) as a QR code, error correction level L, byte mode, and draws
// it as lines of UTF-8 text, each holding two rows of modules: light modules are drawn with
// block characters and dark ones left blank, so the code reads right on a dark terminal.
// Every line ends with '\n'. The result holds the secret in another form, hence SecretBytes;
// libqrencode's module buffer is wiped before it is freed.
Result<SecretBytes> RenderQrCode(const SecretBytes& text);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_QR_H_
