#include "setup_tool/png.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace pamtotp::totpctl {
namespace {

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

constexpr size_t kMaxStoredBlock = 65535;  // LEN is 16 bits

void PutByte(SecretBytes& out, uint8_t b) { out.push_back(static_cast<char>(b)); }

void PutBigEndian32(SecretBytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) PutByte(out, static_cast<uint8_t>(v >> shift));
}

void PutLittleEndian16(SecretBytes& out, uint16_t v) {
  PutByte(out, static_cast<uint8_t>(v & 0xff));
  PutByte(out, static_cast<uint8_t>(v >> 8));
}

// length, type, data, CRC-32 over type and data.
void PutChunk(SecretBytes& out, std::string_view type, const SecretBytes& data) {
  PutBigEndian32(out, static_cast<uint32_t>(data.size()));
  SecretBytes typed = SecretBytes::FromString(type);
  typed.Append(data);
  out.Append(typed);
  PutBigEndian32(out, Crc32(typed.bytes()));
}

// The scanlines: a filter byte (0, none) and then the pixels, 8 to a byte, first pixel in the
// high bit, 1 = white; the last byte of a row padded with zero bits.
SecretBytes Scanlines(uint32_t width, uint32_t height,
                      const std::function<bool(uint32_t, uint32_t)>& white) {
  SecretBytes raw;
  for (uint32_t y = 0; y < height; ++y) {
    PutByte(raw, 0);
    uint8_t byte = 0;
    for (uint32_t x = 0; x < width; ++x) {
      if (white(x, y)) byte = static_cast<uint8_t>(byte | (0x80u >> (x % 8)));
      if (x % 8 == 7 || x + 1 == width) {
        PutByte(raw, byte);
        byte = 0;
      }
    }
  }
  return raw;
}

// A zlib stream holding `raw` in stored deflate blocks.
SecretBytes ZlibStored(const SecretBytes& raw) {
  SecretBytes z;
  PutByte(z, 0x78);  // CM 8 (deflate), CINFO 7 (32 KiB window)
  PutByte(z, 0x01);  // no dictionary, fastest; 0x7801 is a multiple of 31 as FCHECK requires
  size_t done = 0;
  do {
    const size_t n = std::min(kMaxStoredBlock, raw.size() - done);
    const bool final = done + n == raw.size();
    PutByte(z, final ? 1 : 0);  // BFINAL, BTYPE 00 (stored), the rest of the byte unused
    PutLittleEndian16(z, static_cast<uint16_t>(n));
    PutLittleEndian16(z, static_cast<uint16_t>(~n & 0xffff));
    z.Append(raw.view().substr(done, n));
    done += n;
  } while (done < raw.size());
  PutBigEndian32(z, Adler32(raw.bytes()));
  return z;
}

}  // namespace

uint32_t Crc32(std::span<const uint8_t> bytes, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : bytes) crc = kCrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t Adler32(std::span<const uint8_t> bytes) {
  constexpr uint32_t kMod = 65521;
  uint32_t a = 1, b = 0;
  for (uint8_t byte : bytes) {
    a = (a + byte) % kMod;
    b = (b + a) % kMod;
  }
  return (b << 16) | a;
}

SecretBytes EncodeBlackWhitePng(uint32_t width, uint32_t height,
                                const std::function<bool(uint32_t x, uint32_t y)>& white) {
  SecretBytes png;
  constexpr uint8_t kSignature[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a};
  for (uint8_t b : kSignature) PutByte(png, b);
  SecretBytes header;
  PutBigEndian32(header, width);
  PutBigEndian32(header, height);
  // Bit depth 1, colour type 0 (greyscale), compression 0 (deflate), filter method 0,
  // interlace 0 (none).
  constexpr uint8_t kFormat[] = {1, 0, 0, 0, 0};
  for (uint8_t b : kFormat) PutByte(header, b);
  PutChunk(png, "IHDR", header);
  PutChunk(png, "IDAT", ZlibStored(Scanlines(width, height, white)));
  PutChunk(png, "IEND", SecretBytes());
  return png;
}

}  // namespace pamtotp::totpctl
