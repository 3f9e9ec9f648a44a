// Recovery codes: what a person is shown, what they may type, and that a stored hash matches
// its own code and nothing else. Scrypt runs with N = 2^10 here to keep the tests fast.
#include "core/recovery.h"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/test_support.h"

namespace pamtotp {
namespace {

constexpr int64_t kNow = 1750000015;
constexpr RecoveryParams kFast{10, 8, 1};
constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

NewRecoveryCodes Generate(size_t count) {
  Result<NewRecoveryCodes> r = GenerateRecoveryCodes(count, kNow, kFast);
  if (!r.ok()) fail_msg("%s", r.status().message().c_str());
  return std::move(r).value();
}

SecretBytes Normalized(std::string_view input) {
  Result<SecretBytes> r = NormalizeRecoveryCode(input);
  if (!r.ok())
    fail_msg("refused '%.*s': %s", static_cast<int>(input.size()), input.data(),
             r.status().message().c_str());
  return std::move(r).value();
}

std::optional<size_t> Match(const RecoverySet& set, std::string_view input) {
  Result<std::optional<size_t>> r = MatchRecoveryCode(set, Normalized(input));
  if (!r.ok()) fail_msg("%s", r.status().message().c_str());
  return *r;
}

void ExpectNotACode(std::string_view input) {
  Result<SecretBytes> r = NormalizeRecoveryCode(input);
  if (r.ok()) fail_msg("accepted '%.*s'", static_cast<int>(input.size()), input.data());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(r.status().message().c_str(), "not a recovery code");
}

bool IsShownCode(std::string_view code) {
  if (code.size() != 14 || code[4] != '-' || code[9] != '-') return false;
  for (size_t i = 0; i < code.size(); ++i) {
    if (i == 4 || i == 9) continue;
    if (kAlphabet.find(code[i]) == std::string_view::npos) return false;
  }
  return true;
}

void GeneratesDistinctCodesInTheShownForm(void**) {
  NewRecoveryCodes n = Generate(10);
  assert_int_equal(n.codes.size(), 10);
  assert_int_equal(n.set.hashes.size(), 10);
  assert_int_equal(n.set.id.size(), 16);
  assert_true(n.set.id.find_first_not_of("0123456789abcdef") == std::string::npos);
  assert_int_equal(n.set.created, kNow);
  assert_int_equal(n.set.params.log2_n, 10);
  assert_int_equal(n.set.params.r, 8);
  assert_int_equal(n.set.params.p, 1);
  std::set<std::string> codes;
  std::set<std::string> hashes;
  for (size_t i = 0; i < n.codes.size(); ++i) {
    std::string_view code = n.codes[i].view();
    if (!IsShownCode(code)) fail_msg("not abcd-efgh-ijkl: '%.*s'", 14, code.data());
    codes.emplace(code);
    hashes.emplace(n.set.hashes[i].begin(), n.set.hashes[i].end());
  }
  assert_int_equal(codes.size(), 10);
  assert_int_equal(hashes.size(), 10);
  // 120 random letters use much of the alphabet, digits included (each fails by chance with
  // probability far below 2^-60).
  std::set<char> letters;
  for (const std::string& code : codes) letters.insert(code.begin(), code.end());
  letters.erase('-');
  assert_true(letters.size() > 16);
  bool digit = false;
  for (char c : letters) digit = digit || (c >= '2' && c <= '7');
  assert_true(digit);
}

void EachCodeMatchesItsOwnIndex(void**) {
  NewRecoveryCodes n = Generate(10);
  for (size_t i = 0; i < n.codes.size(); ++i) {
    std::optional<size_t> index = Match(n.set, n.codes[i].view());
    assert_true(index.has_value());
    assert_int_equal(*index, i);
  }
  // As a person may type it: upper case, spaces for hyphens.
  std::string typed(n.codes[3].view());
  for (char& c : typed) {
    c = c == '-' ? ' ' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  std::optional<size_t> index = Match(n.set, typed);
  assert_true(index.has_value());
  assert_int_equal(*index, 3);
}

void AWrongCodeMatchesNothing(void**) {
  NewRecoveryCodes n = Generate(10);
  std::string changed(n.codes[0].view());
  changed[13] = changed[13] == 'a' ? 'b' : 'a';  // one letter off
  for (const std::string& wrong : {changed, std::string("aaaa-aaaa-aaaa")}) {
    for (const SecretBytes& code : n.codes) assert_false(code.view() == wrong);
    assert_false(Match(n.set, wrong).has_value());
  }
  // The hash depends on the set's salt and parameters, not only on the code.
  RecoverySet other_params = n.set;
  other_params.params.r = 4;
  assert_false(Match(other_params, n.codes[0].view()).has_value());
  RecoverySet other_salt = n.set;
  other_salt.salt[0] ^= 1;
  assert_false(Match(other_salt, n.codes[0].view()).has_value());
}

void TwoSetsHaveTheirOwnSaltAndId(void**) {
  NewRecoveryCodes a = Generate(2);
  NewRecoveryCodes b = Generate(2);
  assert_false(a.set.salt == b.set.salt);
  assert_false(a.set.id == b.set.id);
  assert_false(Match(b.set, a.codes[0].view()).has_value());
  assert_false(Match(a.set, b.codes[1].view()).has_value());
}

// Pins the stored hash: scrypt(the 12 lower-case letters, salt, N, r, p), 16 bytes. Expected
// values from Python's hashlib.scrypt, which reproduces the RFC 7914 test vectors.
void HashIsScryptOfTheTwelveLetters(void**) {
  RecoverySet set;
  set.id = "00112233aabbccdd";
  for (size_t i = 0; i < set.salt.size(); ++i) set.salt[i] = static_cast<uint8_t>(i);
  set.hashes.resize(3);
  const std::array<uint8_t, kRecoveryHashBytes> n10 = {0x27, 0x1f, 0xa4, 0x96, 0x95, 0x4c,
                                                       0xbd, 0xb8, 0x35, 0xa0, 0x9d, 0xb4,
                                                       0xdd, 0x17, 0xce, 0x49};
  const std::array<uint8_t, kRecoveryHashBytes> n14 = {0xb4, 0xdf, 0x37, 0x27, 0xa3, 0xd0,
                                                       0x95, 0xca, 0xce, 0x25, 0x59, 0x6a,
                                                       0x2a, 0x42, 0xa7, 0x76};
  set.params = kFast;
  set.hashes[2] = n10;
  std::optional<size_t> index = Match(set, "ABCD-efgh-ijkl");
  assert_true(index.has_value());
  assert_int_equal(*index, 2);
  set.params = RecoveryParams{};  // the default: N = 2^14, r = 8, p = 1
  assert_false(Match(set, "abcd-efgh-ijkl").has_value());
  set.hashes[1] = n14;
  index = Match(set, "abcd-efgh-ijkl");
  assert_true(index.has_value());
  assert_int_equal(*index, 1);
}

void NormalizeAcceptsCaseSpacesAndHyphens(void**) {
  for (std::string_view input :
       {"abcd-efgh-ijkl", "ABCD-EFGH-IJKL", "abcd efgh ijkl", "abcdefghijkl", " aBcD-eFgH ijkl ",
        "a-b-c-d-e-f-g-h-i-j-k-l", "--abcd--efgh--ijkl--"}) {
    assert_true(Normalized(input).view() == "abcdefghijkl");
  }
  assert_true(Normalized("2345-6723-4567").view() == "234567234567");
  assert_true(Normalized("mnop-qrst-uvwx").view() == "mnopqrstuvwx");
  // Up to 64 characters of input, spaces included, then refused unread.
  assert_true(Normalized("abcdefghijkl" + std::string(52, ' ')).view() == "abcdefghijkl");
  ExpectNotACode("abcdefghijkl" + std::string(53, ' '));
}

void NormalizeRefusesEverythingElse(void**) {
  for (std::string_view input :
       {"abcd-efgh-ijk", "abcd-efgh-ijklm", "abcdefghijk", "abcdefghijklm", "abcd-efgh-ijk1",
        "abcd-efgh-ijk0", "abcd-efgh-ijk8", "abcd-efgh-ijk9", "abcd_efgh_ijkl", "abcd\tefgh-ijkl",
        "abcd-efgh-ijkl\n", "", "------", "123456", "\xc3\xa1\x62\x63\x64-efgh-ijkl"}) {
    ExpectNotACode(input);
  }
  ExpectNotACode(std::string_view("abcd-efgh\0-ijkl", 15));
  ExpectNotACode(std::string(200, 'a'));
}

void CountMustBeOneTo32(void**) {
  for (size_t count : {size_t{0}, kMaxRecoveryCodes + 1, size_t{1000}}) {
    Result<NewRecoveryCodes> r = GenerateRecoveryCodes(count, kNow, kFast);
    assert_false(r.ok());
    assert_int_equal(static_cast<int>(r.status().code()),
                     static_cast<int>(Status::Code::kInvalidArgument));
    assert_string_equal(r.status().message().c_str(),
                        "the number of recovery codes must be 1 to 32");
  }
  assert_int_equal(Generate(1).codes.size(), 1);
  NewRecoveryCodes full = Generate(kMaxRecoveryCodes);
  assert_int_equal(full.set.hashes.size(), kMaxRecoveryCodes);
  std::optional<size_t> last = Match(full.set, full.codes.back().view());
  assert_true(last.has_value());
  assert_int_equal(*last, kMaxRecoveryCodes - 1);
}

// --- Imported scratch codes (google-authenticator's 8 digits) --------------------------------

std::vector<SecretBytes> Codes(std::initializer_list<std::string_view> texts) {
  std::vector<SecretBytes> codes;
  for (std::string_view text : texts) codes.push_back(SecretBytes::FromString(text));
  return codes;
}

void NormalizeAcceptsEightDigitScratchCodes(void**) {
  for (std::string_view input : {"12345678", "1234 5678", "1234-5678", " 12345678 ", "0000-0000"}) {
    SecretBytes code = Normalized(input);
    assert_int_equal(code.size(), 8);
    assert_true(IsScratchCode(code));
  }
  assert_true(Normalized("1234-5678").view() == "12345678");
  assert_false(IsScratchCode(Normalized("abcd-efgh-ijkl")));
  // A code of ours made only of the digits 2-7 stays a 12-letter code.
  assert_false(IsScratchCode(Normalized("2345-6723-4567")));
  // Not 8 digits exactly, or digits mixed with letters: neither kind of code.
  for (std::string_view input : {"1234567", "123456789", "1234567a", "abcd5678", "12345678abcd",
                                 "1234-5678-9012", "Ù¡2345678"}) {
    ExpectNotACode(input);
  }
}

void ImportedCodesHashAndMatchLikeOurOwn(void**) {
  Result<RecoverySet> set =
      HashRecoveryCodes(Codes({"89838995", "78420649", "abcdefghijkl"}), kNow, kFast);
  if (!set.ok()) fail_msg("%s", set.status().message().c_str());
  assert_int_equal(set->hashes.size(), 3);
  assert_int_equal(set->id.size(), 16);
  assert_int_equal(set->created, kNow);
  assert_int_equal(set->params.log2_n, 10);
  std::optional<size_t> index = Match(*set, "7842 0649");
  assert_true(index.has_value());
  assert_int_equal(*index, 1);
  index = Match(*set, "ABCD-EFGH-IJKL");
  assert_true(index.has_value());
  assert_int_equal(*index, 2);
  assert_false(Match(*set, "89838996").has_value());
  // A second import of the same codes gets its own id and salt.
  Result<RecoverySet> again = HashRecoveryCodes(Codes({"89838995"}), kNow, kFast);
  assert_true(again.ok());
  assert_false(again->id == set->id);
  assert_false(again->salt == set->salt);
  assert_false(again->hashes[0] == set->hashes[0]);
}

void HashRecoveryCodesRefusesWhatCannotBeTyped(void**) {
  struct Case {
    std::vector<SecretBytes> codes;
    const char* message;
  };
  Case cases[] = {
      {Codes({}), "the number of recovery codes must be 1 to 32"},
      {Codes({"12345678", "1234-5678"}), "recovery code 2 is not 12 letters or 8 digits"},
      {Codes({"ABCDEFGHIJKL"}), "recovery code 1 is not 12 letters or 8 digits"},
      {Codes({"1234567"}), "recovery code 1 is not 12 letters or 8 digits"},
      {Codes({"11111111", "22222222", "11111111"}), "recovery codes 1 and 3 are the same"},
  };
  for (const Case& c : cases) {
    Result<RecoverySet> r = HashRecoveryCodes(c.codes, kNow, kFast);
    assert_false(r.ok());
    assert_int_equal(static_cast<int>(r.status().code()),
                     static_cast<int>(Status::Code::kInvalidArgument));
    assert_string_equal(r.status().message().c_str(), c.message);
  }
  std::vector<SecretBytes> many;
  for (size_t i = 0; i <= kMaxRecoveryCodes; ++i) {
    many.push_back(SecretBytes::FromString(std::to_string(10000000 + i)));
  }
  Result<RecoverySet> r = HashRecoveryCodes(many, kNow, kFast);
  assert_false(r.ok());
  assert_string_equal(r.status().message().c_str(), "the number of recovery codes must be 1 to 32");
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(GeneratesDistinctCodesInTheShownForm),
      cmocka_unit_test(EachCodeMatchesItsOwnIndex),
      cmocka_unit_test(AWrongCodeMatchesNothing),
      cmocka_unit_test(TwoSetsHaveTheirOwnSaltAndId),
      cmocka_unit_test(HashIsScryptOfTheTwelveLetters),
      cmocka_unit_test(NormalizeAcceptsCaseSpacesAndHyphens),
      cmocka_unit_test(NormalizeRefusesEverythingElse),
      cmocka_unit_test(CountMustBeOneTo32),
      cmocka_unit_test(NormalizeAcceptsEightDigitScratchCodes),
      cmocka_unit_test(ImportedCodesHashAndMatchLikeOurOwn),
      cmocka_unit_test(HashRecoveryCodesRefusesWhatCannotBeTyped),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
