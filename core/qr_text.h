// Drawing a QR code as terminal text. Pure: it takes the module matrix that a QR encoder
// (libqrencode, linked by totpctl or loaded on demand by the module) produced.
#ifndef PAMTOTP_CORE_QR_TEXT_H_
#define PAMTOTP_CORE_QR_TEXT_H_

#include <cstdint>

#include "core/secret_bytes.h"

namespace pamtotp {

// Light modules around the code. Scanners want some; 2 keeps the code small on a terminal.
inline constexpr int kQrQuietZone = 2;

// `modules` is width*width bytes, row by row, bit 0 set for a dark module (libqrencode's
// layout). Returns lines of UTF-8 text, each holding two rows of modules: light modules are
// drawn with block characters and dark ones left blank, so the code reads right on a dark
// terminal. Every line ends with '\n'. The drawing encodes a secret, hence SecretBytes.
SecretBytes DrawQrHalfBlocks(int width, const uint8_t* modules);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_QR_TEXT_H_
