// otpauth:// URIs: the exact text we put in QR codes, the label characters apps mangle, and
// parsing of URIs from other issuers, hostile ones included.
#include "core/otpauth_uri.h"

#include <string>
#include <string_view>

#include "tests/test_support.h"

namespace pamtotp {
namespace {

// RFC 4226's key; base32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".
constexpr std::string_view kKey = "12345678901234567890";
#define KEY32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

void ExpectView(std::string_view got, std::string_view want) {
  if (got != want) {
    print_error("got '%.*s'\nwant '%.*s'\n", static_cast<int>(got.size()), got.data(),
                static_cast<int>(want.size()), want.data());
    fail();
  }
}

void ExpectInvalid(const Status& s, const std::string& message) {
  assert_false(s.ok());
  assert_int_equal(static_cast<int>(s.code()), static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(s.message().c_str(), message.c_str());
}

OtpauthKey MakeKey(std::string issuer, std::string account) {
  OtpauthKey key;
  key.issuer = std::move(issuer);
  key.account = std::move(account);
  key.secret = SecretBytes::FromString(kKey);
  return key;
}

void ExpectBuilds(const OtpauthKey& key, std::string_view want) {
  Result<SecretBytes> uri = BuildOtpauthUri(key);
  if (!uri.ok()) {
    print_error("%s\n", uri.status().message().c_str());
    fail();
  }
  ExpectView(uri->view(), want);
}

OtpauthKey ExpectParses(std::string_view uri) {
  Result<OtpauthKey> key = ParseOtpauthUri(uri);
  if (!key.ok()) {
    print_error("%s\n", key.status().message().c_str());
    fail();
  }
  return std::move(key).value();
}

void BuildsDefaultsWithoutOptionalParameters(void**) {
  ExpectBuilds(MakeKey("Issuer", "alice"),
               "otpauth://totp/Issuer:alice?secret=" KEY32 "&issuer=Issuer");
  ExpectBuilds(MakeKey("", "alice"), "otpauth://totp/alice?secret=" KEY32);
}

void BuildsNonDefaultParametersInUpperCase(void**) {
  OtpauthKey key = MakeKey("Issuer", "alice");
  key.algorithm = HashAlgorithm::kSha256;
  key.digits = 8;
  key.period = 60;
  ExpectBuilds(key, "otpauth://totp/Issuer:alice?secret=" KEY32
                    "&issuer=Issuer&algorithm=SHA256&digits=8&period=60");
  key.algorithm = HashAlgorithm::kSha512;
  key.digits = 7;
  key.period = 30;
  ExpectBuilds(
      key, "otpauth://totp/Issuer:alice?secret=" KEY32 "&issuer=Issuer&algorithm=SHA512&digits=7");
}

void BuildPercentEncodesSpacesAndUtf8(void**) {
  ExpectBuilds(MakeKey("My Company", "jos\xc3\xa9@host.example"),
               "otpauth://totp/My%20Company:jos%C3%A9%40host.example?secret=" KEY32
               "&issuer=My%20Company");
  ExpectView(PercentEncode("a-b.c_d~e f/g%h"), "a-b.c_d~e%20f%2Fg%25h");
  ExpectView(PercentEncode("\xe2\x82\xac"), "%E2%82%AC");
}

void BuildRefusesCharactersAppsMangle(void**) {
  const std::string tail =
      " must not contain ':', '&', '#', '?', '+' or control characters (authenticator apps "
      "mangle them)";
  for (std::string_view bad : {"a:b", "a&b", "a#b", "a?b", "a+b", "a\nb", "a\tb", "a\177b"}) {
    ExpectInvalid(BuildOtpauthUri(MakeKey("Issuer", std::string(bad))).status(),
                  "the account name" + tail);
    ExpectInvalid(BuildOtpauthUri(MakeKey(std::string(bad), "alice")).status(),
                  "the issuer" + tail);
  }
  ExpectInvalid(BuildOtpauthUri(MakeKey("Issuer", std::string("a\0b", 3))).status(),
                "the account name" + tail);
  ExpectInvalid(BuildOtpauthUri(MakeKey("Issuer", "")).status(), "the account name is empty");
}

void BuildRefusesBadParameters(void**) {
  OtpauthKey key = MakeKey("Issuer", "alice");
  key.digits = 9;
  ExpectInvalid(BuildOtpauthUri(key).status(), "digits must be 6, 7 or 8");
  key.digits = 6;
  key.period = 0;
  ExpectInvalid(BuildOtpauthUri(key).status(), "period must be between 1 and 3600 seconds");
  key.period = 30;
  key.secret = SecretBytes();
  ExpectInvalid(BuildOtpauthUri(key).status(), "the secret is empty");
}

// Found by fuzz_otpauth_uri in CI: an issuer given only as a parameter, in characters that need
// escapes, is written twice and three times as long. The builder refuses it rather than write a
// URI that no reader (ours included) accepts; one a byte shorter still round-trips.
void BuildRefusesWhatParseWouldRefuse(void**) {
  std::string issuer(340, ' ');
  std::string uri = "otpauth://totp/a?secret=" KEY32 "&issuer=" + issuer;
  OtpauthKey key = ExpectParses(uri);
  ExpectInvalid(BuildOtpauthUri(key).status(),
                "the issuer and account names are too long for an otpauth URI");
  size_t fits = 0;
  for (size_t n = 1; n < issuer.size(); ++n) {
    key.issuer = std::string(n, ' ');
    Result<SecretBytes> built = BuildOtpauthUri(key);
    if (!built.ok()) break;
    fits = n;
    assert_true(built->size() <= kMaxUriLength);
    assert_string_equal(ExpectParses(built->view()).issuer.c_str(), key.issuer.c_str());
  }
  assert_true(fits > 300 && fits < 340);
}

void ParseRoundTripsWhatBuildWrites(void**) {
  OtpauthKey key = MakeKey("My Company", "jos\xc3\xa9@host");
  key.algorithm = HashAlgorithm::kSha512;
  key.digits = 7;
  key.period = 45;
  Result<SecretBytes> uri = BuildOtpauthUri(key);
  assert_true(uri.ok());
  OtpauthKey back = ExpectParses(uri->view());
  assert_string_equal(back.issuer.c_str(), "My Company");
  assert_string_equal(back.account.c_str(), "jos\xc3\xa9@host");
  ExpectView(back.secret.view(), kKey);
  assert_int_equal(static_cast<int>(back.algorithm), static_cast<int>(HashAlgorithm::kSha512));
  assert_int_equal(back.digits, 7);
  assert_int_equal(back.period, 45);
}

void ParseDefaultsAndLowerCaseAlgorithm(void**) {
  OtpauthKey d = ExpectParses("otpauth://totp/alice?secret=" KEY32);
  assert_string_equal(d.issuer.c_str(), "");
  assert_string_equal(d.account.c_str(), "alice");
  assert_int_equal(static_cast<int>(d.algorithm), static_cast<int>(HashAlgorithm::kSha1));
  assert_int_equal(d.digits, 6);
  assert_int_equal(d.period, 30);
  OtpauthKey k = ExpectParses(
      "OTPAUTH://TOTP/alice?Secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq"
      "&algorithm=sha256&digits=8&period=60");
  assert_int_equal(static_cast<int>(k.algorithm), static_cast<int>(HashAlgorithm::kSha256));
  assert_int_equal(k.digits, 8);
  assert_int_equal(k.period, 60);
  ExpectView(k.secret.view(), kKey);
}

void ParseIssuerFromPrefixParameterOrBoth(void**) {
  OtpauthKey prefix = ExpectParses("otpauth://totp/ACME:alice?secret=" KEY32);
  assert_string_equal(prefix.issuer.c_str(), "ACME");
  assert_string_equal(prefix.account.c_str(), "alice");
  OtpauthKey param = ExpectParses("otpauth://totp/alice?secret=" KEY32 "&issuer=ACME%20Inc");
  assert_string_equal(param.issuer.c_str(), "ACME Inc");
  assert_string_equal(param.account.c_str(), "alice");
  OtpauthKey both = ExpectParses("otpauth://totp/Old:alice?issuer=New&secret=" KEY32);
  assert_string_equal(both.issuer.c_str(), "New");
  assert_string_equal(both.account.c_str(), "alice");
  // Google's format allows a space (encoded) after the colon; it is not part of the account.
  OtpauthKey spaced = ExpectParses("otpauth://totp/ACME%3A%20alice?secret=" KEY32);
  assert_string_equal(spaced.issuer.c_str(), "ACME");
  assert_string_equal(spaced.account.c_str(), "alice");
}

void ParseIgnoresUnknownParametersAndFragment(void**) {
  OtpauthKey k =
      ExpectParses("otpauth://totp/alice?image=https%3A%2F%2Fx.example%2Fa.png&secret=" KEY32
                   "&color=ff0000&&lock=true#ignored&digits=9");
  assert_int_equal(k.digits, 6);
  ExpectView(k.secret.view(), kKey);
}

void ParseRefusesOtherSchemesAndTypes(void**) {
  ExpectInvalid(ParseOtpauthUri("https://totp/alice?secret=" KEY32).status(),
                "not an otpauth:// URI");
  ExpectInvalid(ParseOtpauthUri("otpauth:").status(), "not an otpauth:// URI");
  ExpectInvalid(ParseOtpauthUri("").status(), "not an otpauth:// URI");
  ExpectInvalid(ParseOtpauthUri("otpauth://motp/alice?secret=" KEY32).status(),
                "the URI type must be totp or hotp");
  ExpectInvalid(ParseOtpauthUri("otpauth://hotpx/alice?secret=" KEY32 "&counter=0").status(),
                "the URI type must be totp or hotp");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp").status(), "the URI has no label");
}

void ParseRefusesMissingOrDuplicateParameters(void**) {
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?issuer=ACME").status(),
                "the URI has no secret= parameter");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice").status(),
                "the URI has no secret= parameter");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=" KEY32 "&secret=" KEY32).status(),
                "parameter 'secret' appears twice");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?SECRET=" KEY32 "&secret=" KEY32).status(),
                "parameter 'secret' appears twice");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=" KEY32 "&digits=6&digits=8").status(),
                "parameter 'digits' appears twice");
}

void ParseRefusesBadDigitsPeriodAndAlgorithm(void**) {
  const std::string base = "otpauth://totp/alice?secret=" KEY32;
  for (const char* digits : {"5", "9", "6x", "", "-6", "+6", " 6", "06x", "99999999999"}) {
    ExpectInvalid(ParseOtpauthUri(base + "&digits=" + digits).status(), "digits must be 6, 7 or 8");
  }
  for (const char* period : {"0", "3601", "-30", "30s", ""}) {
    ExpectInvalid(ParseOtpauthUri(base + "&period=" + period).status(),
                  "period must be between 1 and 3600 seconds");
  }
  for (const char* algorithm : {"MD5", "SHA384", ""}) {
    ExpectInvalid(ParseOtpauthUri(base + "&algorithm=" + algorithm).status(),
                  "algorithm must be SHA1, SHA256 or SHA512");
  }
}

void ParseRefusesBadPercentEscapes(void**) {
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/ali%4xce?secret=" KEY32).status(),
                "label: a '%' escape is not two hex digits");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/ali%4?secret=" KEY32).status(),
                "label: a '%' escape is cut off");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice%?secret=" KEY32).status(),
                "label: a '%' escape is cut off");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/al%zzice?secret=" KEY32).status(),
                "label: a '%' escape is not two hex digits");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=" KEY32 "&issuer=A%00B").status(),
                "parameter 'issuer': a '%00' escape (NUL byte) is not allowed");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/al%00ice?secret=" KEY32).status(),
                "label: a '%00' escape (NUL byte) is not allowed");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=GEZ%4").status(),
                "secret: a '%' escape is cut off");
  ExpectInvalid(PercentDecode("abc%").status(), "a '%' escape is cut off");
  ExpectInvalid(PercentDecode("%4").status(), "a '%' escape is cut off");
  ExpectInvalid(PercentDecode("%g1").status(), "a '%' escape is not two hex digits");
  Result<std::string> ok = PercentDecode("%41%62%c3%A9+x");
  assert_true(ok.ok());
  assert_string_equal(ok->c_str(), "Ab\xc3\xa9+x");
}

void ParseRefusesOverLongUri(void**) {
  std::string uri = "otpauth://totp/alice?secret=" KEY32 "&image=";
  uri.resize(kMaxUriLength, 'x');
  assert_true(ParseOtpauthUri(uri).ok());
  uri.push_back('x');
  ExpectInvalid(ParseOtpauthUri(uri).status(), "the URI is too long");
}

void ParseRefusesBadSecret(void**) {
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=GEZDGNBVGY3TQOJ1").status(),
                "secret: base32 key contains a character that is not A-Z or 2-7");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=").status(),
                "secret: base32 key is empty");
  ExpectInvalid(ParseOtpauthUri("otpauth://totp/alice?secret=MZ").status(),
                "secret: base32 key has stray bits in its last character (mistyped?)");
  // A percent-encoded secret is decoded first, then checked like any other.
  OtpauthKey k = ExpectParses("otpauth://totp/alice?secret=MZXW6YTBOI%3D%3D%3D%3D%3D%3D");
  ExpectView(k.secret.view(), "foobar");
}

// --- HOTP ------------------------------------------------------------------------------------

void BuildsHotpWithCounterAndWithoutPeriod(void**) {
  OtpauthKey key = MakeKey("Issuer", "alice");
  key.type = OtpType::kHotp;
  key.period = 60;  // meaningless for HOTP: never written
  ExpectBuilds(key, "otpauth://hotp/Issuer:alice?secret=" KEY32 "&issuer=Issuer&counter=0");
  key.counter = 18446744073709551615u;
  key.digits = 8;
  key.algorithm = HashAlgorithm::kSha256;
  ExpectBuilds(key, "otpauth://hotp/Issuer:alice?secret=" KEY32
                    "&issuer=Issuer&algorithm=SHA256&digits=8&counter=18446744073709551615");
}

void ParsesHotpTypeAndCounter(void**) {
  OtpauthKey k = ExpectParses("otpauth://HOTP/ACME:bob?secret=" KEY32 "&counter=42&digits=8");
  assert_int_equal(static_cast<int>(k.type), static_cast<int>(OtpType::kHotp));
  assert_int_equal(k.counter, 42);
  assert_int_equal(k.digits, 8);
  assert_string_equal(k.issuer.c_str(), "ACME");
  ExpectView(k.secret.view(), kKey);
  // period= means nothing to HOTP and is ignored, however odd its value.
  OtpauthKey p = ExpectParses("otpauth://hotp/bob?period=0&secret=" KEY32 "&counter=0");
  assert_int_equal(p.counter, 0);
  // A TOTP URI ignores counter= in the same way, and is TOTP.
  OtpauthKey t = ExpectParses("otpauth://totp/bob?secret=" KEY32 "&counter=x");
  assert_int_equal(static_cast<int>(t.type), static_cast<int>(OtpType::kTotp));
  assert_int_equal(t.counter, 0);
  // The largest counter there is.
  OtpauthKey max = ExpectParses("otpauth://hotp/bob?secret=" KEY32 "&counter=18446744073709551615");
  assert_true(max.counter == UINT64_MAX);
}

void ParseRefusesHotpWithoutAGoodCounter(void**) {
  ExpectInvalid(ParseOtpauthUri("otpauth://hotp/bob?secret=" KEY32).status(),
                "the hotp URI has no counter= parameter; add the token's next counter, e.g. "
                "&counter=0");
  for (const char* counter : {"", "-1", "+1", "1x", " 1", "0x10", "18446744073709551616"}) {
    ExpectInvalid(
        ParseOtpauthUri("otpauth://hotp/bob?secret=" KEY32 "&counter=" + std::string(counter))
            .status(),
        "counter must be a whole number, 0 or more");
  }
  ExpectInvalid(ParseOtpauthUri("otpauth://hotp/bob?secret=" KEY32 "&counter=1&counter=2").status(),
                "parameter 'counter' appears twice");
}

void HotpRoundTrips(void**) {
  OtpauthKey key = MakeKey("My Co", "carol");
  key.type = OtpType::kHotp;
  key.counter = 7;
  key.digits = 7;
  Result<SecretBytes> uri = BuildOtpauthUri(key);
  assert_true(uri.ok());
  OtpauthKey back = ExpectParses(uri->view());
  assert_int_equal(static_cast<int>(back.type), static_cast<int>(OtpType::kHotp));
  assert_int_equal(back.counter, 7);
  assert_int_equal(back.digits, 7);
  assert_string_equal(back.issuer.c_str(), "My Co");
  assert_string_equal(back.account.c_str(), "carol");
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(BuildsDefaultsWithoutOptionalParameters),
      cmocka_unit_test(BuildsNonDefaultParametersInUpperCase),
      cmocka_unit_test(BuildPercentEncodesSpacesAndUtf8),
      cmocka_unit_test(BuildRefusesCharactersAppsMangle),
      cmocka_unit_test(BuildRefusesBadParameters),
      cmocka_unit_test(BuildRefusesWhatParseWouldRefuse),
      cmocka_unit_test(ParseRoundTripsWhatBuildWrites),
      cmocka_unit_test(ParseDefaultsAndLowerCaseAlgorithm),
      cmocka_unit_test(ParseIssuerFromPrefixParameterOrBoth),
      cmocka_unit_test(ParseIgnoresUnknownParametersAndFragment),
      cmocka_unit_test(ParseRefusesOtherSchemesAndTypes),
      cmocka_unit_test(ParseRefusesMissingOrDuplicateParameters),
      cmocka_unit_test(ParseRefusesBadDigitsPeriodAndAlgorithm),
      cmocka_unit_test(ParseRefusesBadPercentEscapes),
      cmocka_unit_test(ParseRefusesOverLongUri),
      cmocka_unit_test(ParseRefusesBadSecret),
      cmocka_unit_test(BuildsHotpWithCounterAndWithoutPeriod),
      cmocka_unit_test(ParsesHotpTypeAndCounter),
      cmocka_unit_test(ParseRefusesHotpWithoutAGoodCounter),
      cmocka_unit_test(HotpRoundTrips),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
