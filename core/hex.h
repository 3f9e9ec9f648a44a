// Lower-case hexadecimal, as the store files and device ids spell bytes.
#ifndef PAMTOTP_CORE_HEX_H_
#define PAMTOTP_CORE_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pamtotp {

// Two lower-case hex digits per byte.
std::string HexEncode(std::span<const uint8_t> bytes);

// Fills `out` from exactly out.size() * 2 lower-case hex digits; false (and `out` partly
// written) for anything else.
bool HexDecode(std::string_view text, std::span<uint8_t> out);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_HEX_H_
