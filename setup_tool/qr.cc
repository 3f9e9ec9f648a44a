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

// Dark or light at (x, y), where the quiet zone around the symbol is light.
bool DarkOrQuiet(const QrMatrix& qr, int x, int y) {
  if (x < 0 || y < 0 || x >= qr.width || y >= qr.width) return false;
  return qr.Dark(x, y);
}

// One glyph per column for two rows; `ink` is what the block characters stand for.
SecretBytes DrawBlocks(const QrMatrix& qr, bool ink_is_dark) {
  SecretBytes out;
  const int last = qr.width + kQuietZone;
  for (int y = -kQuietZone; y < last; y += 2) {
    for (int x = -kQuietZone; x < last; ++x) {
      // Below the last row (odd height) nothing is drawn in either style.
      const bool top = DarkOrQuiet(qr, x, y) == ink_is_dark;
      const bool bottom = y + 1 < last && DarkOrQuiet(qr, x, y + 1) == ink_is_dark;
      if (top && bottom) {
        out.Append("\u2588");
      } else if (top) {
        out.Append("\u2580");
      } else if (bottom) {
        out.Append("\u2584");
      } else {
        out.push_back(' ');
      }
    }
    out.push_back('\n');
  }
  return out;
}

// Upper half block: foreground paints the top module, background the bottom one. Below an odd
// last row the background is the terminal's own (reset), as nothing is there.
SecretBytes DrawAnsi(const QrMatrix& qr) {
  constexpr std::string_view kFgBlack = "\x1b[30m", kFgWhite = "\x1b[97m";
  constexpr std::string_view kBgBlack = "\x1b[40m", kBgWhite = "\x1b[107m", kBgNone = "\x1b[49m";
  SecretBytes out;
  const int last = qr.width + kQuietZone;
  for (int y = -kQuietZone; y < last; y += 2) {
    int fg = -1, bg = -1;  // what is set: 0 black, 1 white, 2 default background
    for (int x = -kQuietZone; x < last; ++x) {
      const int top = DarkOrQuiet(qr, x, y) ? 0 : 1;
      const int bottom = y + 1 >= last ? 2 : (DarkOrQuiet(qr, x, y + 1) ? 0 : 1);
      if (top != fg) out.Append(top == 0 ? kFgBlack : kFgWhite);
      if (bottom != bg) out.Append(bottom == 0 ? kBgBlack : bottom == 1 ? kBgWhite : kBgNone);
      fg = top;
      bg = bottom;
      out.Append("\u2580");
    }
    out.Append("\x1b[0m\n");
  }
  return out;
}

}  // namespace

Result<QrMatrix> EncodeQr(const SecretBytes& text) {
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
  QrMatrix qr;
  qr.width = code->width;
  const size_t count = static_cast<size_t>(code->width) * static_cast<size_t>(code->width);
  qr.modules = SecretBytes(count);
  for (size_t i = 0; i < count; ++i) qr.modules.data()[i] = code->data[i] & 1;
  return qr;
}

SecretBytes DrawQr(const QrMatrix& qr, QrMode mode) {
  switch (mode) {
    case QrMode::kUtf8:
      return DrawQrHalfBlocks(qr.width, qr.modules.data());
    case QrMode::kUtf8Inverted:
      return DrawBlocks(qr, true);
    case QrMode::kAnsi:
      return DrawAnsi(qr);
    case QrMode::kNone:
      break;
  }
  return SecretBytes();
}

int QrColumns(const QrMatrix& qr) { return qr.width + 2 * kQuietZone; }

std::string_view QrModeName(QrMode mode) {
  switch (mode) {
    case QrMode::kUtf8:
      return "utf8";
    case QrMode::kUtf8Inverted:
      return "utf8-inverted";
    case QrMode::kAnsi:
      return "ansi";
    case QrMode::kNone:
      return "none";
  }
  return "none";
}

std::optional<QrMode> ParseQrMode(std::string_view name) {
  for (QrMode mode : {QrMode::kUtf8, QrMode::kUtf8Inverted, QrMode::kAnsi, QrMode::kNone}) {
    if (name == QrModeName(mode)) return mode;
  }
  return std::nullopt;
}

Result<SecretBytes> RenderQrCode(const SecretBytes& text) {
  Result<QrMatrix> qr = EncodeQr(text);
  if (!qr.ok()) return qr.status();
  return DrawQr(*qr, QrMode::kUtf8);
}

}  // namespace pamtotp::totpctl
