// HOTP/TOTP: the RFC 4226 and RFC 6238 test vectors, the limits on digits, periods and
// time, and a cross-check of random keys against oathtool, an independent implementation.
#include "core/otp.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base32.h"
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

void ExpectInvalid(const Status& s, const char* message) {
  assert_false(s.ok());
  assert_int_equal(static_cast<int>(s.code()), static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(s.message().c_str(), message);
}

// The HMAC keys of RFC 6238 Appendix B: the ASCII digits repeated to the hash's size.
SecretBytes RfcKey(HashAlgorithm algorithm) {
  constexpr std::string_view kDigits =
      "1234567890123456789012345678901234567890123456789012345678901234";
  return SecretBytes::FromString(kDigits.substr(0, RecommendedKeyBytes(algorithm)));
}

void HotpMatchesRfc4226AppendixD(void**) {
  constexpr uint32_t kExpected[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
  SecretBytes key = RfcKey(HashAlgorithm::kSha1);
  for (uint64_t counter = 0; counter < 10; ++counter) {
    Result<uint32_t> value = Hotp(key, counter, HashAlgorithm::kSha1, 6);
    assert_true(value.ok());
    assert_int_equal(*value, kExpected[counter]);
  }
}

struct TotpVector {
  int64_t time;
  HashAlgorithm algorithm;
  const char* code;
};

constexpr TotpVector kRfc6238[] = {
    {59, HashAlgorithm::kSha1, "94287082"},
    {59, HashAlgorithm::kSha256, "46119246"},
    {59, HashAlgorithm::kSha512, "90693936"},
    {1111111109, HashAlgorithm::kSha1, "07081804"},
    {1111111109, HashAlgorithm::kSha256, "68084774"},
    {1111111109, HashAlgorithm::kSha512, "25091201"},
    {1111111111, HashAlgorithm::kSha1, "14050471"},
    {1111111111, HashAlgorithm::kSha256, "67062674"},
    {1111111111, HashAlgorithm::kSha512, "99943326"},
    {1234567890, HashAlgorithm::kSha1, "89005924"},
    {1234567890, HashAlgorithm::kSha256, "91819424"},
    {1234567890, HashAlgorithm::kSha512, "93441116"},
    {2000000000, HashAlgorithm::kSha1, "69279037"},
    {2000000000, HashAlgorithm::kSha256, "90698825"},
    {2000000000, HashAlgorithm::kSha512, "38618901"},
    {20000000000, HashAlgorithm::kSha1, "65353130"},
    {20000000000, HashAlgorithm::kSha256, "77737706"},
    {20000000000, HashAlgorithm::kSha512, "47863826"},
};

void TotpMatchesRfc6238AppendixB(void**) {
  for (const TotpVector& v : kRfc6238) {
    Result<uint64_t> step = TimeStep(v.time, 30);
    assert_true(step.ok());
    Result<uint32_t> value = Hotp(RfcKey(v.algorithm), *step, v.algorithm, 8);
    assert_true(value.ok());
    ExpectView(FormatCode(*value, 8).view(), v.code);
  }
}

void TimeStepBoundaries(void**) {
  struct Case {
    int64_t time;
    int period;
    uint64_t step;
  };
  constexpr Case kCases[] = {
      {0, 30, 0},
      {29, 30, 0},
      {30, 30, 1},
      {59, 30, 1},
      {60, 30, 2},
      {59, 60, 0},
      {60, 60, 1},
      {1, 1, 1},
      {3599, 3600, 0},
      {3600, 3600, 1},
      {1111111109, 30, 37037036},
      {20000000000, 30, 666666666},
      {INT64_MAX, 1, uint64_t{INT64_MAX}},
  };
  for (const Case& c : kCases) {
    Result<uint64_t> step = TimeStep(c.time, c.period);
    assert_true(step.ok());
    assert_int_equal(*step, c.step);
  }
}

void TimeStepRefusesNegativeTimeAndBadPeriods(void**) {
  ExpectInvalid(TimeStep(-1, 30).status(), "the clock is before 1970");
  ExpectInvalid(TimeStep(INT64_MIN, 30).status(), "the clock is before 1970");
  ExpectInvalid(TimeStep(100, 0).status(), "period must be between 1 and 3600 seconds");
  ExpectInvalid(TimeStep(100, -30).status(), "period must be between 1 and 3600 seconds");
  ExpectInvalid(TimeStep(100, 3601).status(), "period must be between 1 and 3600 seconds");
}

void HotpRefusesBadDigitsAndEmptyKey(void**) {
  SecretBytes key = RfcKey(HashAlgorithm::kSha1);
  for (int digits : {-1, 0, 5, 9, 10}) {
    ExpectInvalid(Hotp(key, 0, HashAlgorithm::kSha1, digits).status(), "digits must be 6, 7 or 8");
  }
  for (int digits : {6, 7, 8}) assert_true(Hotp(key, 0, HashAlgorithm::kSha1, digits).ok());
  ExpectInvalid(Hotp(SecretBytes(), 0, HashAlgorithm::kSha1, 6).status(), "the key is empty");
}

void HotpDigitsAreTheLowDigitsOfOneValue(void**) {
  // RFC 4226 Appendix D, counter 0: the 31-bit value is 1284755224.
  SecretBytes key = RfcKey(HashAlgorithm::kSha1);
  Result<uint32_t> six = Hotp(key, 0, HashAlgorithm::kSha1, 6);
  Result<uint32_t> seven = Hotp(key, 0, HashAlgorithm::kSha1, 7);
  Result<uint32_t> eight = Hotp(key, 0, HashAlgorithm::kSha1, 8);
  assert_true(six.ok() && seven.ok() && eight.ok());
  assert_int_equal(*six, 755224);
  assert_int_equal(*seven, 4755224);
  assert_int_equal(*eight, 84755224);
}

void FormatCodeKeepsLeadingZeros(void**) {
  ExpectView(FormatCode(4217, 6).view(), "004217");
  ExpectView(FormatCode(0, 6).view(), "000000");
  ExpectView(FormatCode(0, 8).view(), "00000000");
  ExpectView(FormatCode(7, 7).view(), "0000007");
  ExpectView(FormatCode(999999, 6).view(), "999999");
  ExpectView(FormatCode(7081804, 8).view(), "07081804");
}

void AlgorithmNamesAndParsing(void**) {
  ExpectView(AlgorithmName(HashAlgorithm::kSha1), "SHA1");
  ExpectView(AlgorithmName(HashAlgorithm::kSha256), "SHA256");
  ExpectView(AlgorithmName(HashAlgorithm::kSha512), "SHA512");
  struct Case {
    const char* name;
    HashAlgorithm algorithm;
  };
  constexpr Case kAccepted[] = {
      {"SHA1", HashAlgorithm::kSha1},      {"sha1", HashAlgorithm::kSha1},
      {"Sha-1", HashAlgorithm::kSha1},     {"SHA256", HashAlgorithm::kSha256},
      {"sha-256", HashAlgorithm::kSha256}, {"SHA512", HashAlgorithm::kSha512},
      {"sHa512", HashAlgorithm::kSha512},
  };
  for (const Case& c : kAccepted) {
    std::optional<HashAlgorithm> parsed = ParseAlgorithm(c.name);
    assert_true(parsed.has_value());
    assert_int_equal(static_cast<int>(*parsed), static_cast<int>(c.algorithm));
  }
  for (const char* bad : {"", "SHA", "SHA2", "SHA384", "SHA224", "MD5", "SHA 1", " SHA1", "SHA1 ",
                          "SHA1\n", "SHA256x"}) {
    assert_false(ParseAlgorithm(bad).has_value());
  }
  assert_false(ParseAlgorithm(std::string_view("SHA1\0", 5)).has_value());
  assert_int_equal(RecommendedKeyBytes(HashAlgorithm::kSha1), 20);
  assert_int_equal(RecommendedKeyBytes(HashAlgorithm::kSha256), 32);
  assert_int_equal(RecommendedKeyBytes(HashAlgorithm::kSha512), 64);
}

uint64_t RandomNumber() {
  Result<SecretBytes> raw = RandomBytes(8);
  assert_true(raw.ok());
  uint64_t n = 0;
  for (uint8_t b : raw->bytes()) n = (n << 8) | b;
  return n;
}

// 200 random keys (10 to 128 bytes, so keys longer than the hash block are covered), random
// times up to 2106, every algorithm, 6/7/8 digits and 30/60 s periods: our code must equal
// oathtool's.
void AgreesWithOathtoolOnRandomKeys(void**) {
  constexpr HashAlgorithm kAlgorithms[] = {HashAlgorithm::kSha1, HashAlgorithm::kSha256,
                                           HashAlgorithm::kSha512};
  for (int i = 0; i < 200; ++i) {
    HashAlgorithm algorithm = kAlgorithms[i % 3];
    int digits = 6 + (i / 3) % 3;
    int period = (i / 9) % 2 == 0 ? 30 : 60;
    Result<SecretBytes> key = RandomBytes(10 + RandomNumber() % 119);
    assert_true(key.ok());
    auto at = static_cast<int64_t>(RandomNumber() % (uint64_t{1} << 32));
    Result<uint64_t> step = TimeStep(at, period);
    assert_true(step.ok());
    Result<uint32_t> value = Hotp(*key, *step, algorithm, digits);
    assert_true(value.ok());
    SecretBytes ours = FormatCode(*value, digits);
    std::string theirs =
        testing::OathtoolTotp(std::string(Base32Encode(key->bytes()).view()), at, digits, period,
                              std::string(AlgorithmName(algorithm)));
    if (ours.view() != theirs) {
      print_error("case %d: %s, %d digits, period %d, time %lld, key %zu bytes\n", i,
                  std::string(AlgorithmName(algorithm)).c_str(), digits, period,
                  static_cast<long long>(at), key->size());
    }
    ExpectView(ours.view(), theirs);
  }
}

// One generator, reused across counters (and moved), gives what oathtool gives for each: the
// reused HMAC context restarts cleanly with its key every time.
void GeneratorReusesOneKeyAcrossCounters(void**) {
  Result<SecretBytes> key = RandomBytes(32);
  assert_true(key.ok());
  const std::string base32(Base32Encode(key->bytes()).view());
  Result<HotpGenerator> made = HotpGenerator::Create(*key, HashAlgorithm::kSha256, 8);
  assert_true(made.ok());
  HotpGenerator generator = std::move(made).value();
  const int64_t start = static_cast<int64_t>(RandomNumber() % (uint64_t{1} << 31));
  for (int64_t i = 0; i < 12; ++i) {
    const int64_t at = start + i * 30;
    Result<uint32_t> value = generator.At(static_cast<uint64_t>(at / 30));
    assert_true(value.ok());
    ExpectView(FormatCode(*value, 8).view(), testing::OathtoolTotp(base32, at, 8, 30, "SHA256"));
  }
  // Backwards and repeated counters too (a window is scanned from -w to +w, drift both ways).
  for (uint64_t counter : {uint64_t{5}, uint64_t{1}, uint64_t{5}, uint64_t{0}}) {
    Result<uint32_t> again = generator.At(counter);
    Result<uint32_t> fresh = Hotp(*key, counter, HashAlgorithm::kSha256, 8);
    assert_true(again.ok() && fresh.ok());
    assert_int_equal(*again, *fresh);
  }
  ExpectInvalid(HotpGenerator::Create(*key, HashAlgorithm::kSha1, 9).status(),
                "digits must be 6, 7 or 8");
  ExpectInvalid(HotpGenerator::Create(SecretBytes(), HashAlgorithm::kSha1, 6).status(),
                "the key is empty");
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(HotpMatchesRfc4226AppendixD),
      cmocka_unit_test(TotpMatchesRfc6238AppendixB),
      cmocka_unit_test(TimeStepBoundaries),
      cmocka_unit_test(TimeStepRefusesNegativeTimeAndBadPeriods),
      cmocka_unit_test(HotpRefusesBadDigitsAndEmptyKey),
      cmocka_unit_test(HotpDigitsAreTheLowDigitsOfOneValue),
      cmocka_unit_test(FormatCodeKeepsLeadingZeros),
      cmocka_unit_test(AlgorithmNamesAndParsing),
      cmocka_unit_test(AgreesWithOathtoolOnRandomKeys),
      cmocka_unit_test(GeneratorReusesOneKeyAcrossCounters),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
