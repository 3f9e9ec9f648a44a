#include "core/qr_text.h"

#include <string_view>

namespace pamtotp {
namespace {

// True if the module at (x, y) is light. Coordinates outside the symbol are the quiet zone
// (light) up to kQrQuietZone modules out, and background (dark, i.e. blank) beyond.
bool IsLight(int width, const uint8_t* modules, int x, int y) {
  if (x < 0 || y < 0 || x >= width || y >= width) {
    return x >= -kQrQuietZone && y >= -kQrQuietZone && x < width + kQrQuietZone &&
           y < width + kQrQuietZone;
  }
  size_t index = static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x);
  return (modules[index] & 1) == 0;
}

std::string_view Glyph(bool top_light, bool bottom_light) {
  if (top_light && bottom_light) return "\u2588";  // full block
  if (top_light) return "\u2580";                  // upper half block
  if (bottom_light) return "\u2584";               // lower half block
  return " ";
}

}  // namespace

SecretBytes DrawQrHalfBlocks(int width, const uint8_t* modules) {
  SecretBytes out;
  const int first = -kQrQuietZone;
  const int last = width + kQrQuietZone;  // one past the last row and column drawn
  for (int y = first; y < last; y += 2) {
    for (int x = first; x < last; ++x) {
      out.Append(Glyph(IsLight(width, modules, x, y), IsLight(width, modules, x, y + 1)));
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace pamtotp
