#include "core/base32.h"

#include <openssl/crypto.h>

#include <cstdint>
#include <string>

namespace pamtotp {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The 5-bit value of a base32 letter (either case), or -1.
int LetterValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

SecretBytes Base32Encode(std::span<const uint8_t> bytes) {
  SecretBytes out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  OPENSSL_cleanse(&buffer, sizeof buffer);  // it held bits of the key
  return out;
}

Result<SecretBytes> Base32Decode(std::string_view text) {
  if (text.size() > kMaxBase32Length) {
    return Status::InvalidArgument("base32 key is too long (more than " +
                                   std::to_string(kMaxBase32Length) + " characters)");
  }
  SecretBytes out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t letters = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int value = LetterValue(c);
    if (value < 0) {
      return Status::InvalidArgument("base32 key contains a character that is not A-Z or 2-7");
    }
    if (padding > 0) return Status::InvalidArgument("base32 key has '=' before its end");
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    ++letters;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  if (letters == 0) return Status::InvalidArgument("base32 key is empty");
  // A final group of 8 letters can end after 2, 4, 5, 7 or 8 letters; 1, 3 or 6 cannot happen.
  size_t tail = letters % 8;
  if (tail == 1 || tail == 3 || tail == 6) {
    return Status::InvalidArgument(
        "base32 key has an impossible length (a character is missing "
        "or extra)");
  }
  // Padding, if present, must fill exactly the last group: no more, no less.
  if (padding > 0 && padding != (8 - tail) % 8) {
    return Status::InvalidArgument("base32 key has the wrong amount of '=' padding");
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return Status::InvalidArgument("base32 key has stray bits in its last character (mistyped?)");
  }
  OPENSSL_cleanse(&buffer, sizeof buffer);  // it held bits of the key
  return out;
}

}  // namespace pamtotp
