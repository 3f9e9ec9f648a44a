// Hex: every byte value both ways, and what a decoder must refuse.
#include "core/hex.h"

#include <array>
#include <cstdint>
#include <string>

#include "tests/test_support.h"

namespace pamtotp {
namespace {

void EveryByteRoundTrips(void**) {
  std::array<uint8_t, 256> all{};
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  const std::string text = HexEncode(all);
  assert_int_equal(text.size(), 512);
  assert_string_equal(text.substr(0, 8).c_str(), "00010203");
  assert_string_equal(text.substr(504).c_str(), "fcfdfeff");
  std::array<uint8_t, 256> back{};
  assert_true(HexDecode(text, back));
  assert_true(back == all);
  assert_string_equal(HexEncode({}).c_str(), "");
}

void DecoderRefusesWrongLengthsAndDigits(void**) {
  std::array<uint8_t, 2> out{};
  assert_true(HexDecode("0aff", out));
  assert_int_equal(out[0], 0x0a);
  assert_int_equal(out[1], 0xff);
  for (const char* bad : {"0af", "0aff0", "", "0AFF", "0a g", "0x0a", "0a\n0"}) {
    assert_false(HexDecode(bad, out));
  }
}

}  // namespace
}  // namespace pamtotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pamtotp::EveryByteRoundTrips),
      cmocka_unit_test(pamtotp::DecoderRefusesWrongLengthsAndDigits),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
