// QR codes for enrollment: encoded with libqrencode, drawn on the terminal in one of three
// styles, or written to a PNG or SVG file (qr_file.h).
//
// Every form of the code holds the secret, so each is a SecretBytes, and libqrencode's module
// buffer is wiped before it is freed.
#ifndef PAMTOTP_SETUP_TOOL_QR_H_
#define PAMTOTP_SETUP_TOOL_QR_H_

#include <optional>
#include <string_view>

#include "core/qr_text.h"
#include "core/secret_bytes.h"
#include "core/status.h"
#include "setup_tool/args.h"

namespace pamtotp::totpctl {

// Light modules around the code on a terminal (see core/qr_text.h).
inline constexpr int kQuietZone = kQrQuietZone;

// The symbol: width x width modules, error correction level L, byte mode.
struct QrMatrix {
  int width = 0;
  SecretBytes modules;  // width * width bytes, row by row: 1 dark, 0 light

  bool Dark(int x, int y) const {
    return modules.data()[static_cast<size_t>(y) * static_cast<size_t>(width) +
                          static_cast<size_t>(x)] != 0;
  }
};

// Encodes `text` (an otpauth URI). InvalidArgument if it is too long for a QR code.
Result<QrMatrix> EncodeQr(const SecretBytes& text);

// Draws the code for a terminal, every line ending with '\n', kQuietZone light modules around
// it, each text line holding two rows of modules:
//   kUtf8          light modules as block characters, dark ones blank: right on a dark terminal
//   kUtf8Inverted  dark modules as block characters: right on a light terminal
//   kAnsi          upper half blocks with ANSI foreground (top module) and background (bottom
//                  module) colours, black and bright white, reset at the end of every line:
//                  right on any terminal that shows colours
// kNone draws nothing.
SecretBytes DrawQr(const QrMatrix& qr, QrMode mode);

// Terminal columns the drawing takes (the symbol plus the quiet zone on both sides).
int QrColumns(const QrMatrix& qr);

// "utf8", "utf8-inverted", "ansi", "none", and back (nullopt for anything else).
std::string_view QrModeName(QrMode mode);
std::optional<QrMode> ParseQrMode(std::string_view name);

// EncodeQr then DrawQr(kUtf8).
Result<SecretBytes> RenderQrCode(const SecretBytes& text);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_QR_H_
