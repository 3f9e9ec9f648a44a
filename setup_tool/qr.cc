#include "setup_tool/qr.h"

#include <openssl/crypto.h>
#include <qrencode.h>

#include <cerrno>
#include <memory>

#include "core/qr_text.h"
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
  return DrawQrHalfBlocks(code->width, code->data);
}

}  // namespace pamtotp::totpctl
