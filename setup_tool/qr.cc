#include "setup_tool/qr.h"

#include <openssl/crypto.h>
#include <qrencode.h>

#include <cerrno>
#include <memory>

#include "core/safe_file.h"

namespace pamtotp::totpctl {
namespace {

struct QrCodeDeleter {
  void operator()(QRcode* code) const {
    if (code->data != nullptr && code->width > 0) {
      OPENSSL_cleanse(code->data,
                      static_cast<size_t>(code->width) * static_cast<size_t>(code->width));
    }
    QRcode_free(code);
  }
};
using QrCodePtr = std::unique_ptr<QRcode, QrCodeDeleter>;

// True if the module at (x, y) is light. Coordinates outside the symbol are the quiet zone
// (light) up to kQuietZone modules out, and background (dark, i.e. blank) beyond.
bool IsLight(const QRcode& code, int x, int y) {
  if (x < 0 || y < 0 || x >= code.width || y >= code.width) {
    return x >= -kQuietZone && y >= -kQuietZone && x < code.width + kQuietZone &&
           y < code.width + kQuietZone;
  }
  size_t index = static_cast<size_t>(y) * static_cast<size_t>(code.width) + static_cast<size_t>(x);
  return (code.data[index] & 1) == 0;  // bit 0 set = dark module
}

std::string_view Glyph(bool top_light, bool bottom_light) {
  if (top_light && bottom_light) return "\u2588";  // full block
  if (top_light) return "\u2580";                  // upper half block
  if (bottom_light) return "\u2584";               // lower half block
  return " ";
}

}  // namespace

Result<SecretBytes> RenderQrCode(const SecretBytes& text) {
  SecretBytes terminated = text.Clone();
  terminated.push_back('\0');
  errno = 0;
  QrCodePtr code(QRcode_encodeString(reinterpret_cast<const char*>(terminated.data()), 0,
                                     QR_ECLEVEL_L, QR_MODE_8, 1));
  if (!code) {
    int err = errno;
    if (err == ERANGE) return Status::InvalidArgument("the URI is too long for a QR code");
    return ErrnoStatus("libqrencode could not encode the URI", err != 0 ? err : ENOMEM);
  }
  SecretBytes out;
  const int first = -kQuietZone;
  const int last = code->width + kQuietZone;  // one past the last row and column drawn
  for (int y = first; y < last; y += 2) {
    for (int x = first; x < last; ++x) {
      out.Append(Glyph(IsLight(*code, x, y), IsLight(*code, x, y + 1)));
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace pamtotp::totpctl
