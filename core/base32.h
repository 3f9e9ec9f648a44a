// Base32 (RFC 4648 section 6) for TOTP keys.
//
// Encoding writes the canonical form apps accept best: upper case, no padding, no spaces.
// Decoding is strict about what the bytes mean and tolerant about how people type them:
// lower case, spaces, hyphens and a missing or complete '=' padding are accepted; any other
// character, padding in the middle, an impossible length, or non-zero bits left over at the
// end (a key that no encoder would produce) is refused. Pure functions, thread-safe.
#ifndef PAMTOTP_CORE_BASE32_H_
#define PAMTOTP_CORE_BASE32_H_

#include <span>
#include <string_view>

#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

// Longest base32 text accepted: enough for a 1024-bit key.
inline constexpr size_t kMaxBase32Length = 256;

SecretBytes Base32Encode(std::span<const uint8_t> bytes);
Result<SecretBytes> Base32Decode(std::string_view text);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_BASE32_H_
