// Base32: RFC 4648 section 10 vectors, the spellings people type, and every refusal with the
// message a person reads when totpctl rejects a key.
#include "core/base32.h"

#include <string>
#include <string_view>

#include "core/random.h"
#include "tests/test_support.h"

namespace pamtotp {
namespace {

void ExpectView(std::string_view got, std::string_view want) {
  if (got != want) {
    print_error("got '%.*s', want '%.*s'\n", static_cast<int>(got.size()), got.data(),
                static_cast<int>(want.size()), want.data());
    fail();
  }
}

void ExpectDecodes(std::string_view text, std::string_view want) {
  Result<SecretBytes> r = Base32Decode(text);
  if (!r.ok()) {
    print_error("decoding '%.*s': %s\n", static_cast<int>(text.size()), text.data(),
                r.status().message().c_str());
    fail();
  }
  ExpectView(r->view(), want);
}

void ExpectRefused(std::string_view text, const char* message) {
  Result<SecretBytes> r = Base32Decode(text);
  if (r.ok()) {
    print_error("'%.*s' was accepted\n", static_cast<int>(text.size()), text.data());
    fail();
  }
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(r.status().message().c_str(), message);
}

SecretBytes Encode(std::string_view bytes) {
  return Base32Encode(SecretBytes::FromString(bytes).bytes());
}

struct Vector {
  const char* plain;
  const char* unpadded;
  const char* padded;
};

// RFC 4648 section 10 (base32 column).
constexpr Vector kRfcVectors[] = {
    {"f", "MY", "MY======"},           {"fo", "MZXQ", "MZXQ===="},
    {"foo", "MZXW6", "MZXW6==="},      {"foob", "MZXW6YQ", "MZXW6YQ="},
    {"fooba", "MZXW6YTB", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
};

constexpr char kNotBase32[] = "base32 key contains a character that is not A-Z or 2-7";
constexpr char kImpossibleLength[] =
    "base32 key has an impossible length (a character is missing or extra)";
constexpr char kWrongPadding[] = "base32 key has the wrong amount of '=' padding";
constexpr char kStrayBits[] = "base32 key has stray bits in its last character (mistyped?)";

void EncodesRfcVectorsWithoutPadding(void**) {
  ExpectView(Encode("").view(), "");
  for (const Vector& v : kRfcVectors) ExpectView(Encode(v.plain).view(), v.unpadded);
}

void DecodesRfcVectorsWithAndWithoutPadding(void**) {
  for (const Vector& v : kRfcVectors) {
    ExpectDecodes(v.unpadded, v.plain);
    ExpectDecodes(v.padded, v.plain);
  }
}

void AcceptsLowerCaseSpacesAndHyphens(void**) {
  ExpectDecodes("mzxw6ytboi", "foobar");
  ExpectDecodes("MzXw6YtBoI", "foobar");
  ExpectDecodes("MZXW 6YTB OI", "foobar");
  ExpectDecodes("mzxw-6ytb-oi", "foobar");
  ExpectDecodes(" MZXW6YTBOI ", "foobar");
  ExpectDecodes("MZXW\t6YTBOI", "foobar");
  ExpectDecodes("mzxw 6ytb oi== ====", "foobar");
}

void RefusesCharactersOutsideTheAlphabet(void**) {
  // 0, 1 and 8 are the digits people confuse with O, I and B; base32 has none of them.
  ExpectRefused("MZXW1YTB", kNotBase32);
  ExpectRefused("MZXW0YTB", kNotBase32);
  ExpectRefused("MZXW8YTB", kNotBase32);
  ExpectRefused("MZXW!YTB", kNotBase32);
  ExpectRefused("MZXW_YTB", kNotBase32);
  ExpectRefused("MZXW\nYTB", kNotBase32);
  ExpectRefused(std::string_view("MZXW\0YTB", 8), kNotBase32);
  ExpectRefused("MZXW\xc3\x89YTB", kNotBase32);  // a non-ASCII letter
}

void RefusesPaddingInTheMiddle(void**) {
  ExpectRefused("MY======MZXQ====", "base32 key has '=' before its end");
  ExpectRefused("MZ=XW6YTB", "base32 key has '=' before its end");
  ExpectRefused("=MZXW6YTB", "base32 key has '=' before its end");
}

void RefusesWrongAmountOfPadding(void**) {
  ExpectRefused("MY=", kWrongPadding);
  ExpectRefused("MY=====", kWrongPadding);
  ExpectRefused("MZXQ=", kWrongPadding);
  ExpectRefused("MZXW6YQ==", kWrongPadding);
}

// Regression: padding was only checked to round the length up to a multiple of 8, so a second
// block of '=' ("MY" plus 14 '=', or 8 '=' after a full group) was accepted.
void RefusesExtraBlocksOfPadding(void**) {
  ExpectRefused("MY==============", kWrongPadding);
  ExpectRefused("MZXW6YTB========", kWrongPadding);
  ExpectRefused("MZXW6YQ=========", kWrongPadding);
}

void RefusesImpossibleLengths(void**) {
  ExpectRefused("M", kImpossibleLength);            // 1 mod 8
  ExpectRefused("MZX", kImpossibleLength);          // 3 mod 8
  ExpectRefused("MZXW6Y", kImpossibleLength);       // 6 mod 8
  ExpectRefused("MZXW6YTBM", kImpossibleLength);    // 9 = 1 mod 8
  ExpectRefused("MZXW6YTBMZX", kImpossibleLength);  // 11 = 3 mod 8
  ExpectRefused("M=======", kImpossibleLength);     // padding does not make it possible
  ExpectRefused("MZXW6Y==", kImpossibleLength);
}

void RefusesStrayTrailingBits(void**) {
  // "MY" is 'f' plus two zero bits; "MZ" sets one of those bits, which no encoder does.
  ExpectRefused("MZ", kStrayBits);
  ExpectRefused("MZXR", kStrayBits);
  ExpectRefused("MZXW7", kStrayBits);
  ExpectRefused("MZXW6YR", kStrayBits);
  ExpectRefused("MZXW6YTBOJ", kStrayBits);
}

void RefusesEmptyText(void**) {
  ExpectRefused("", "base32 key is empty");
  ExpectRefused("   ", "base32 key is empty");
  ExpectRefused("- -", "base32 key is empty");
  ExpectRefused("========", "base32 key is empty");
}

void RefusesTextOverTheLengthLimit(void**) {
  std::string longest(kMaxBase32Length, 'A');
  Result<SecretBytes> r = Base32Decode(longest);
  assert_true(r.ok());
  assert_int_equal(r->size(), kMaxBase32Length * 5 / 8);
  ExpectRefused(longest + "A", "base32 key is too long (more than 256 characters)");
  // The limit counts what was typed, spaces included, so it bounds the work done.
  ExpectRefused(std::string(kMaxBase32Length + 1, ' '),
                "base32 key is too long (more than 256 characters)");
}

void RoundTripsRandomBytesOfEveryLength(void**) {
  for (size_t length = 1; length <= 64; ++length) {
    for (int round = 0; round < 4; ++round) {
      Result<SecretBytes> bytes = RandomBytes(length);
      assert_true(bytes.ok());
      SecretBytes text = Base32Encode(bytes->bytes());
      assert_int_equal(text.size(), (length * 8 + 4) / 5);
      assert_true(text.view().find('=') == std::string_view::npos);
      Result<SecretBytes> back = Base32Decode(text.view());
      assert_true(back.ok());
      ExpectView(back->view(), bytes->view());
    }
  }
}

void EncodesAllZeroAndAllOneBytes(void**) {
  ExpectView(Encode(std::string(5, '\0')).view(), "AAAAAAAA");
  ExpectView(Encode(std::string(5, '\xff')).view(), "77777777");
  ExpectView(Encode("12345678901234567890").view(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(EncodesRfcVectorsWithoutPadding),
      cmocka_unit_test(DecodesRfcVectorsWithAndWithoutPadding),
      cmocka_unit_test(AcceptsLowerCaseSpacesAndHyphens),
      cmocka_unit_test(RefusesCharactersOutsideTheAlphabet),
      cmocka_unit_test(RefusesPaddingInTheMiddle),
      cmocka_unit_test(RefusesWrongAmountOfPadding),
      cmocka_unit_test(RefusesExtraBlocksOfPadding),
      cmocka_unit_test(RefusesImpossibleLengths),
      cmocka_unit_test(RefusesStrayTrailingBits),
      cmocka_unit_test(RefusesEmptyText),
      cmocka_unit_test(RefusesTextOverTheLengthLimit),
      cmocka_unit_test(RoundTripsRandomBytesOfEveryLength),
      cmocka_unit_test(EncodesAllZeroAndAllOneBytes),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
