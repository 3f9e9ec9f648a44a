// A minimal PNG encoder for black-and-white images (QR codes), with no library: 1-bit
// greyscale, no interlace, the pixel data in zlib "stored" (uncompressed) deflate blocks.
//
// PNG (ISO/IEC 15948): signature, then chunks of length, type, data and a CRC-32 of type and
// data; IHDR describes the image, IDAT holds a zlib stream (RFC 1950: header, deflate blocks of
// RFC 1951, Adler-32 of the uncompressed bytes), IEND ends it. Each scanline starts with
// filter type 0 (none). Pure functions; thread-safe.
#ifndef PAMTOTP_SETUP_TOOL_PNG_H_
#define PAMTOTP_SETUP_TOOL_PNG_H_

#include <cstdint>
#include <functional>
#include <span>

#include "core/secret_bytes.h"

namespace pamtotp::totpctl {

// CRC-32 as PNG and zlib define it (polynomial 0xEDB88320, reflected, inverted).
uint32_t Crc32(std::span<const uint8_t> bytes, uint32_t crc = 0);
// Adler-32 (RFC 1950).
uint32_t Adler32(std::span<const uint8_t> bytes);

// A PNG of `width` x `height` pixels (each 1 to 65535); white(x, y) says which pixels are
// white, the rest are black. The image shows a secret when it is a QR code, hence SecretBytes.
SecretBytes EncodeBlackWhitePng(uint32_t width, uint32_t height,
                                const std::function<bool(uint32_t x, uint32_t y)>& white);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_PNG_H_
