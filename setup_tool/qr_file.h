// totpctl --qr-file: the enrollment QR code as a PNG or SVG file, for printing or for a screen
// far from the terminal.
//
// The file holds the secret key, so it is created new (never replacing or following anything:
// O_CREAT|O_EXCL|O_NOFOLLOW) with mode 0600, owned by whoever runs totpctl. Delete it once
// the code is scanned.
#ifndef PAMTOTP_SETUP_TOOL_QR_FILE_H_
#define PAMTOTP_SETUP_TOOL_QR_FILE_H_

#include <string>
#include <string_view>

#include "core/secret_bytes.h"
#include "core/status.h"
#include "setup_tool/qr.h"

namespace pamtotp::totpctl {

inline constexpr int kQrFilePixelsPerModule = 8;
inline constexpr int kQrFileQuietZone = 4;  // modules, as the QR standard asks for print

// The file name ends in ".png" or ".svg" (any case): InvalidArgument naming them otherwise.
Status CheckQrFileName(std::string_view path);

// The whole file: kQrFileQuietZone white modules around the symbol, kQrFilePixelsPerModule
// pixels (PNG) or user units (SVG) per module, black on white.
SecretBytes EncodeQrPng(const QrMatrix& qr);
SecretBytes EncodeQrSvg(const QrMatrix& qr);

// Writes PNG or SVG by the name's extension. AlreadyExists if `path` exists.
Status WriteQrFile(const std::string& path, const QrMatrix& qr);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_QR_FILE_H_
