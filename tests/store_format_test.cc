// The store's on-disk formats: the devices file is strict (every malformed line refused with
// its line number) and the state file survives a torn write of either slot.
#include "core/store_format.h"

#include <openssl/evp.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/test_support.h"

namespace pamtotp {
namespace {

#define KEY32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  // "12345678901234567890"
constexpr std::string_view kHeader = "pam_totp-devices 1\n";

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields DefaultFields() {
  return {{"id", "0123456789abcdef"}, {"name", "Phone"}, {"type", "totp"},
          {"algorithm", "SHA1"},      {"digits", "6"},   {"period", "30"},
          {"created", "1700000000"},  {"secret", KEY32}};
}

Fields Set(Fields fields, const std::string& key, const std::string& value) {
  for (auto& [k, v] : fields) {
    if (k == key) v = value;
  }
  return fields;
}

Fields Without(Fields fields, const std::string& key) {
  std::erase_if(fields, [&](const auto& field) { return field.first == key; });
  return fields;
}

std::string Line(const Fields& fields, const std::string& kind = "device") {
  std::string line = kind;
  for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  return line + "\n";
}

std::string FileWith(const std::string& lines) { return std::string(kHeader) + lines; }

void ExpectCorrupt(std::string_view text, const std::string& message) {
  Result<Enrollment> r = ParseDeviceFile(text);
  if (r.ok()) fail_msg("accepted: %.*s", static_cast<int>(text.size()), text.data());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kCorruption));
  assert_string_equal(r.status().message().c_str(), message.c_str());
}

std::string HexId(size_t n) {
  char id[17];
  std::snprintf(id, sizeof id, "%016zx", n);
  return id;
}

Device MakeDevice(const std::string& id, const std::string& name, HashAlgorithm algorithm,
                  int digits, int period, std::string_view secret) {
  return Device{id, name, SecretBytes::FromString(secret), algorithm, digits, period, 1700000000};
}

Enrollment Of(std::vector<Device> devices) {
  Enrollment e;
  e.devices = std::move(devices);
  return e;
}

void ExpectSameDevice(const Device& a, const Device& b) {
  assert_string_equal(a.id.c_str(), b.id.c_str());
  assert_string_equal(a.name.c_str(), b.name.c_str());
  assert_true(a.secret.view() == b.secret.view());
  assert_int_equal(static_cast<int>(a.type), static_cast<int>(b.type));
  assert_int_equal(static_cast<int>(a.algorithm), static_cast<int>(b.algorithm));
  assert_int_equal(a.digits, b.digits);
  assert_int_equal(a.period, b.period);
  assert_int_equal(a.counter, b.counter);
  assert_int_equal(a.created, b.created);
}

void DevicesRoundTrip(void**) {
  Enrollment e;
  e.devices.push_back(
      MakeDevice("0123456789abcdef", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  e.devices.push_back(MakeDevice("fedcba9876543210", "Work laptop", HashAlgorithm::kSha256, 8, 60,
                                 "12345678901234567890123456789012"));
  e.devices.push_back(MakeDevice("00000000000000ff", "T\xc3\xa9l\xc3\xa9phone \xf0\x9f\x93\xb1",
                                 HashAlgorithm::kSha512, 7, 45, std::string(64, '\xa5')));
  e.devices.push_back(MakeDevice("1111111111111111", "50% = half & more", HashAlgorithm::kSha1, 6,
                                 1, std::string(128, '\0')));
  Result<SecretBytes> text = SerializeDeviceFile(e);
  assert_true(text.ok());
  assert_true(text->view().find(" name=Work%20laptop type=totp ") != std::string_view::npos);
  assert_true(text->view().find("counter=") == std::string_view::npos);
  assert_true(text->view().find("recovery") == std::string_view::npos);
  Result<Enrollment> back = ParseDeviceFile(text->view());
  if (!back.ok()) fail_msg("%s", back.status().message().c_str());
  assert_int_equal(back->devices.size(), e.devices.size());
  assert_false(back->recovery.has_value());
  for (size_t i = 0; i < e.devices.size(); ++i) ExpectSameDevice(e.devices[i], back->devices[i]);
  Result<SecretBytes> again = SerializeDeviceFile(*back);
  assert_true(again.ok());
  assert_true(again->view() == text->view());
}

void HotpDeviceRoundTrips(void**) {
  Device hotp = MakeDevice("00000000000000aa", "Key fob", HashAlgorithm::kSha1, 6, 30,
                           "12345678901234567890");
  hotp.type = OtpType::kHotp;
  hotp.counter = 12345;
  Enrollment e = Of({});
  e.devices.push_back(std::move(hotp));
  Result<SecretBytes> text = SerializeDeviceFile(e);
  assert_true(text.ok());
  const std::string want =
      "device id=00000000000000aa name=Key%20fob type=hotp algorithm=SHA1 "
      "digits=6 counter=12345 created=1700000000 secret=" KEY32 "\n";
  assert_true(text->view().ends_with(want));
  assert_true(text->view().find("period=") == std::string_view::npos);
  Result<Enrollment> back = ParseDeviceFile(text->view());
  if (!back.ok()) fail_msg("%s", back.status().message().c_str());
  assert_int_equal(back->devices.size(), 1);
  ExpectSameDevice(e.devices[0], back->devices[0]);
  // The largest first counter the file holds, and a fresh token at 0.
  const Fields h = Set(Without(DefaultFields(), "period"), "type", "hotp");
  for (const char* counter : {"0", "9223372036854775807"}) {
    Fields f = h;
    f.emplace_back("counter", counter);
    Result<Enrollment> r = ParseDeviceFile(FileWith(Line(f)));
    if (!r.ok()) fail_msg("%s", r.status().message().c_str());
    assert_int_equal(static_cast<int>(r->devices[0].type), static_cast<int>(OtpType::kHotp));
    assert_true(std::to_string(r->devices[0].counter) == counter);
  }
}

void EachTypeHasOnlyItsOwnMovingPart(void**) {
  Fields totp_with_counter = DefaultFields();
  totp_with_counter.emplace_back("counter", "5");
  ExpectCorrupt(FileWith(Line(totp_with_counter)), "line 2: a totp device has no field 'counter'");
  const Fields hotp = Set(DefaultFields(), "type", "hotp");  // still has period=30
  ExpectCorrupt(FileWith(Line(hotp)), "line 2: a hotp device has no field 'period'");
  Fields hotp_with_both = hotp;
  hotp_with_both.emplace_back("counter", "5");
  ExpectCorrupt(FileWith(Line(hotp_with_both)), "line 2: a hotp device has no field 'period'");
  ExpectCorrupt(FileWith(Line(Without(hotp, "period"))), "line 2: field 'counter' is missing");
  Fields counter = Without(hotp, "period");
  counter.emplace_back("counter", "-1");
  ExpectCorrupt(FileWith(Line(counter)), "line 2: field 'counter' is not a number");
  counter.back().second = "9223372036854775808";  // past UINT64_MAX / 2
  ExpectCorrupt(FileWith(Line(counter)), "line 2: field 'counter' is out of range");
}

void TypeIsRequiredAndStrict(void**) {
  ExpectCorrupt(FileWith(Line(Without(DefaultFields(), "type"))),
                "line 2: field 'type' is missing");
  for (const char* type : {"TOTP", "Hotp", "", "totp,hotp", "motp", "t", "totp\t"}) {
    ExpectCorrupt(FileWith(Line(Set(DefaultFields(), "type", type))),
                  "line 2: type must be totp or hotp");
  }
}

void EmptyListRoundTripsAndCommentsAreAllowed(void**) {
  Result<SecretBytes> text = SerializeDeviceFile({});
  assert_true(text.ok());
  Result<Enrollment> back = ParseDeviceFile(text->view());
  assert_true(back.ok());
  assert_int_equal(back->devices.size(), 0);
  std::string commented = "# top\n\n" + std::string(kHeader) + "# between\n" +
                          Line(DefaultFields()) + "\n#device id=bogus\n";
  Result<Enrollment> one = ParseDeviceFile(commented);
  assert_true(one.ok());
  assert_int_equal(one->devices.size(), 1);
  assert_string_equal(one->devices[0].name.c_str(), "Phone");
}

void RefusesUnknownVersionAndMissingHeader(void**) {
  ExpectCorrupt("pam_totp-devices 2\n" + Line(DefaultFields()),
                "line 1: unsupported format version '2' (this pam_totp reads version 1)");
  ExpectCorrupt("# c\npam_totp-devices 10\n",
                "line 2: unsupported format version '10' (this pam_totp reads version 1)");
  ExpectCorrupt(Line(DefaultFields()), "line 1: expected the header 'pam_totp-devices 1'");
  ExpectCorrupt("pam_totp-devices 1 \n",
                "line 1: unsupported format version '1 ' (this pam_totp "
                "reads version 1)");
  ExpectCorrupt("PAM_TOTP-DEVICES 1\n", "line 1: expected the header 'pam_totp-devices 1'");
  ExpectCorrupt("", "the file is empty (no header)");
  ExpectCorrupt("# only a comment\n\n", "the file is empty (no header)");
}

void RefusesNulTruncationAndOversize(void**) {
  ExpectCorrupt(FileWith(Line(DefaultFields())) + std::string(1, '\0') + "\n",
                "the file contains a NUL byte");
  std::string truncated = FileWith(Line(DefaultFields()));
  truncated.pop_back();
  ExpectCorrupt(truncated, "the file does not end with a newline (truncated?)");
  std::string big = FileWith("");
  big.resize(kMaxDeviceFileSize, '#');
  big.back() = '\n';
  assert_true(ParseDeviceFile(big).ok());
  big.insert(0, "\n");
  ExpectCorrupt(big, "the file is larger than 65536 bytes");
}

void RefusesBadFields(void**) {
  const Fields d = DefaultFields();
  Fields extra = d;
  extra.emplace_back("color", "red");
  ExpectCorrupt(FileWith(Line(extra)), "line 2: unknown field 'color'");
  Fields twice = d;
  twice.emplace_back("digits", "6");
  ExpectCorrupt(FileWith(Line(twice)), "line 2: field 'digits' appears twice");
  for (const char* field :
       {"id", "name", "type", "algorithm", "digits", "period", "created", "secret"}) {
    ExpectCorrupt(FileWith(Line(Without(d, field))),
                  "line 2: field '" + std::string(field) + "' is missing");
  }
  ExpectCorrupt(FileWith("device id=0123456789abcdef  name=Phone\n"), "line 2: a field has no '='");
  ExpectCorrupt(FileWith(Line(Set(d, "name", "a%zz"))),
                "line 2: bad name: a '%' escape is not two hex digits");
  ExpectCorrupt(FileWith(Line(Set(d, "name", "a%0Ab"))),
                "line 2: the device name contains a control character");
}

void FileIsStrictAboutAlgorithmDigitsAndPeriod(void**) {
  const Fields d = DefaultFields();
  // URIs accept "sha1"; the file only holds what we write.
  for (const char* a : {"sha1", "Sha256", "SHA-1", "MD5", ""}) {
    ExpectCorrupt(FileWith(Line(Set(d, "algorithm", a))),
                  "line 2: algorithm must be SHA1, SHA256 or SHA512");
  }
  for (const char* digits : {"5", "9", "0"}) {
    ExpectCorrupt(FileWith(Line(Set(d, "digits", digits))), "line 2: digits must be 6, 7 or 8");
  }
  for (const char* digits : {"6x", "-6", "+6", "", "6.0"}) {
    ExpectCorrupt(FileWith(Line(Set(d, "digits", digits))),
                  std::string("line 2: field 'digits' is not a number"));
  }
  ExpectCorrupt(FileWith(Line(Set(d, "digits", " 6"))), "line 2: a field has no '='");
  ExpectCorrupt(FileWith(Line(Set(d, "digits", "99999999999999999999"))),
                "line 2: field 'digits' is not a number");  // does not fit in 64 bits
  ExpectCorrupt(FileWith(Line(Set(d, "digits", "4294967302"))),
                "line 2: field 'digits' is not a number");  // not wrapped to 6 in 32 bits
  ExpectCorrupt(FileWith(Line(Set(d, "digits", "3601"))), "line 2: field 'digits' is out of range");
  ExpectCorrupt(FileWith(Line(Set(d, "period", "0"))),
                "line 2: period must be between 1 and 3600 seconds");
  ExpectCorrupt(FileWith(Line(Set(d, "period", "3601"))), "line 2: field 'period' is out of range");
  ExpectCorrupt(FileWith(Line(Set(d, "created", "-1"))), "line 2: field 'created' is not a number");
  assert_true(ParseDeviceFile(FileWith(Line(Set(d, "period", "3600")))).ok());
}

void RefusesBadSecretAndId(void**) {
  const Fields d = DefaultFields();
  ExpectCorrupt(FileWith(Line(Set(d, "secret", "GEZDGNBVGY3TQOJ1"))),
                "line 2: bad secret: base32 key contains a character that is not A-Z or 2-7");
  ExpectCorrupt(FileWith(Line(Set(d, "secret", ""))), "line 2: bad secret: base32 key is empty");
  ExpectCorrupt(FileWith(Line(Set(d, "secret", "MZXW6YTB"))),
                "line 2: the secret is shorter than 80 bits");
  for (const char* id : {"", "0123", "0123456789ABCDEF", "0123456789abcdeg", "0123456789abcdef0"}) {
    ExpectCorrupt(FileWith(Line(Set(d, "id", id))), "line 2: the device id is not 16 hex digits");
  }
}

void RefusesDuplicateIdsAndNames(void**) {
  const Fields d = DefaultFields();
  ExpectCorrupt(FileWith(Line(d) + Line(Set(d, "name", "Other"))), "line 3: duplicate device id");
  ExpectCorrupt(FileWith(Line(d) + Line(Set(d, "id", "1123456789abcdef"))),
                "line 3: duplicate device name");
}

void RefusesMoreThanMaxDevices(void**) {
  std::string lines;
  for (size_t i = 0; i < kMaxDevices; ++i) {
    lines += Line(Set(Set(DefaultFields(), "id", HexId(i)), "name", "d" + std::to_string(i)));
  }
  Result<Enrollment> full = ParseDeviceFile(FileWith(lines));
  assert_true(full.ok());
  assert_int_equal(full->devices.size(), kMaxDevices);
  lines += Line(Set(Set(DefaultFields(), "id", HexId(99)), "name", "one-too-many"));
  ExpectCorrupt(FileWith(lines), "line 34: more than 32 devices");
  Enrollment too_many = std::move(full).value();
  too_many.devices.push_back(too_many.devices.back().Clone());
  Result<SecretBytes> text = SerializeDeviceFile(too_many);
  assert_false(text.ok());
  assert_string_equal(text.status().message().c_str(), "at most 32 devices per user");
}

void RefusesLinesThatAreNotDeviceLines(void**) {
  const std::string want = "line 2: expected a 'device' or 'recovery' line";
  ExpectCorrupt(FileWith("hello\n"), want);
  ExpectCorrupt(FileWith(Line(DefaultFields()) + " # indented comment\n"),
                "line 3: expected a 'device' or 'recovery' line");
  ExpectCorrupt(FileWith("device\n"), want);
  ExpectCorrupt(FileWith("recovery\n"), want);
  ExpectCorrupt(FileWith("Device " + Line(DefaultFields()).substr(7)), want);
  ExpectCorrupt(FileWith(std::string(kHeader)), want);
}

void SerializeRefusesInvalidDevices(void**) {
  Enrollment e;
  e.devices.push_back(MakeDevice("0123456789abcdef", " Phone", HashAlgorithm::kSha1, 6, 30,
                                 "12345678901234567890"));
  Result<SecretBytes> text = SerializeDeviceFile(e);
  assert_false(text.ok());
  assert_string_equal(text.status().message().c_str(),
                      "device ' Phone': the device name starts or ends with a space");
}

// Regression: the writer accepted duplicate names and ids, which the reader refuses, so one bad
// edit left a devices file that no login and no totpctl command could read again.
void SerializeRefusesDuplicateNamesAndIds(void**) {
  Enrollment e;
  e.devices.push_back(
      MakeDevice("0123456789abcdef", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  e.devices.push_back(
      MakeDevice("fedcba9876543210", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  Result<SecretBytes> text = SerializeDeviceFile(e);
  assert_false(text.ok());
  assert_int_equal(static_cast<int>(text.status().code()),
                   static_cast<int>(Status::Code::kAlreadyExists));
  assert_string_equal(text.status().message().c_str(), "two devices are named 'Phone'");
  e.devices[1].name = "Tablet";
  e.devices[1].id = e.devices[0].id;
  text = SerializeDeviceFile(e);
  assert_false(text.ok());
  assert_string_equal(text.status().message().c_str(), "two devices have the id 0123456789abcdef");
}

// --- Recovery line ----------------------------------------------------------------------------

constexpr std::string_view kSaltHex = "000102030405060708090a0b0c0d0e0f";

Fields DefaultRecovery() {
  return {{"id", "00112233aabbccdd"},
          {"created", "1700000100"},
          {"scrypt", "10,8,1"},
          {"salt", std::string(kSaltHex)},
          {"codes", std::string(32, '0') + "," + std::string(32, 'f')}};
}

std::string RecoveryLine(const Fields& fields) { return Line(fields, "recovery"); }

RecoverySet SampleSet(size_t codes = 2) {
  RecoverySet set;
  set.id = "00112233aabbccdd";
  set.created = 1700000100;
  set.params = RecoveryParams{10, 8, 1};
  for (size_t i = 0; i < set.salt.size(); ++i) set.salt[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < codes; ++i) {
    set.hashes.emplace_back();
    set.hashes.back().fill(i % 2 == 0 ? 0x00 : 0xff);
  }
  return set;
}

void RecoveryLineRoundTrips(void**) {
  Enrollment e;
  e.devices.push_back(
      MakeDevice("0123456789abcdef", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  e.recovery = SampleSet();
  e.recovery->params = RecoveryParams{15, 8, 16};  // near the 64 MiB the reader accepts
  Result<SecretBytes> text = SerializeDeviceFile(e);
  assert_true(text.ok());
  const std::string want = "recovery id=00112233aabbccdd created=1700000100 scrypt=15,8,16 salt=" +
                           std::string(kSaltHex) + " codes=" + std::string(32, '0') + "," +
                           std::string(32, 'f') + "\n";
  assert_true(text->view().ends_with(want));
  Result<Enrollment> back = ParseDeviceFile(text->view());
  if (!back.ok()) fail_msg("%s", back.status().message().c_str());
  assert_int_equal(back->devices.size(), 1);
  assert_true(back->recovery.has_value());
  const RecoverySet& r = *back->recovery;
  assert_string_equal(r.id.c_str(), "00112233aabbccdd");
  assert_int_equal(r.created, 1700000100);
  assert_int_equal(r.params.log2_n, 15);
  assert_int_equal(r.params.r, 8);
  assert_int_equal(r.params.p, 16);
  assert_true(r.salt == e.recovery->salt);
  assert_true(r.hashes == e.recovery->hashes);
  Result<SecretBytes> again = SerializeDeviceFile(*back);
  assert_true(again.ok());
  assert_true(again->view() == text->view());
}

void RecoveryLineMayComeFirstOrAlone(void**) {
  Result<Enrollment> first =
      ParseDeviceFile(FileWith(RecoveryLine(DefaultRecovery()) + Line(DefaultFields())));
  if (!first.ok()) fail_msg("%s", first.status().message().c_str());
  assert_int_equal(first->devices.size(), 1);
  assert_true(first->recovery.has_value());
  assert_int_equal(first->recovery->hashes.size(), 2);
  Result<Enrollment> alone = ParseDeviceFile(FileWith(RecoveryLine(DefaultRecovery())));
  assert_true(alone.ok());
  assert_int_equal(alone->devices.size(), 0);
  assert_true(alone->recovery.has_value());
}

void RefusesASecondRecoveryLineAndMissingFields(void**) {
  const Fields r = DefaultRecovery();
  ExpectCorrupt(FileWith(Line(DefaultFields()) + RecoveryLine(r) +
                         RecoveryLine(Set(r, "id", "ffffffffffffffff"))),
                "line 4: a second recovery line");
  for (const char* field : {"id", "created", "scrypt", "salt", "codes"}) {
    ExpectCorrupt(FileWith(RecoveryLine(Without(r, field))),
                  "line 2: field '" + std::string(field) + "' is missing");
  }
  Fields used = r;
  used.emplace_back("used", "1");  // which codes are spent is login state, not here
  ExpectCorrupt(FileWith(RecoveryLine(used)), "line 2: unknown field 'used'");
  ExpectCorrupt(FileWith("recovery \n"), "line 2: field 'id' is missing");
  for (const char* id : {"", "0011", "00112233AABBCCDD", "00112233aabbccdg"}) {
    ExpectCorrupt(FileWith(RecoveryLine(Set(r, "id", id))),
                  "line 2: the recovery set id is not 16 hex digits");
  }
  ExpectCorrupt(FileWith(RecoveryLine(Set(r, "created", "-5"))),
                "line 2: field 'created' is not a number");
}

void RefusesBadSaltAndCodeHashes(void**) {
  const Fields r = DefaultRecovery();
  const std::string salt(kSaltHex);
  for (const std::string& bad :
       {std::string(), salt.substr(2), salt + "00", std::string("000102030405060708090A0B0C0D0E0F"),
        std::string("g00102030405060708090a0b0c0d0e0f")}) {
    ExpectCorrupt(FileWith(RecoveryLine(Set(r, "salt", bad))), "line 2: bad salt");
  }
  const std::string hash(32, 'a');
  for (const std::string& bad : {hash.substr(1), hash + "a", std::string(32, 'A'), hash + ",x",
                                 "," + hash, hash + ",," + hash, hash + ","}) {
    ExpectCorrupt(FileWith(RecoveryLine(Set(r, "codes", bad))), "line 2: bad code hash");
  }
  ExpectCorrupt(FileWith(RecoveryLine(Set(r, "codes", ""))),
                "line 2: a recovery set without codes");
}

void RefusesBadScryptParameters(void**) {
  for (const char* params :
       {"16,8,1", "20,32,16", "9,8,1", "21,8,1", "10,0,1", "10,33,1", "10,8,0", "10,8,17", "10,8",
        "10", "", "10,8,1,", "10,8,1,1", "x,8,1", "-10,8,1"}) {
    ExpectCorrupt(FileWith(RecoveryLine(Set(DefaultRecovery(), "scrypt", params))),
                  "line 2: scrypt parameters must be log2(N),r,p within 10-20, 1-32, 1-16 and "
                  "need at most 64 MiB");
  }
}

void RecoverySetHoldsAtMost32Codes(void**) {
  std::string codes;
  for (size_t i = 0; i < kMaxRecoveryCodes; ++i) codes += (i ? "," : "") + std::string(32, 'b');
  Result<Enrollment> full =
      ParseDeviceFile(FileWith(RecoveryLine(Set(DefaultRecovery(), "codes", codes))));
  assert_true(full.ok());
  assert_int_equal(full->recovery->hashes.size(), kMaxRecoveryCodes);
  ExpectCorrupt(FileWith(RecoveryLine(Set(DefaultRecovery(), "codes", codes + "," + codes))),
                "line 2: too many recovery codes");
  ExpectCorrupt(
      FileWith(RecoveryLine(Set(DefaultRecovery(), "codes", codes + "," + std::string(32, 'c')))),
      "line 2: too many recovery codes");
}

void ExpectSerializeRefuses(const RecoverySet& set, const char* message) {
  Enrollment e;
  e.recovery = set;
  Result<SecretBytes> text = SerializeDeviceFile(e);
  if (text.ok()) fail_msg("wrote: %s", std::string(text->view()).c_str());
  assert_int_equal(static_cast<int>(text.status().code()),
                   static_cast<int>(Status::Code::kInvalidArgument));
  assert_string_equal(text.status().message().c_str(), message);
}

// What the reader refuses the writer must refuse too, or one bad edit locks the user out.
void SerializeRefusesRecoverySetsTheReaderWouldRefuse(void**) {
  ExpectSerializeRefuses(SampleSet(0), "a recovery set holds 1 to 32 codes");
  ExpectSerializeRefuses(SampleSet(kMaxRecoveryCodes + 1), "a recovery set holds 1 to 32 codes");
  RecoverySet bad_id = SampleSet();
  bad_id.id = "0011";
  ExpectSerializeRefuses(bad_id, "the recovery set id is not 16 hex digits");
  for (RecoveryParams params : {RecoveryParams{9, 8, 1}, RecoveryParams{21, 8, 1},
                                RecoveryParams{10, 0, 1}, RecoveryParams{10, 8, 17}}) {
    RecoverySet bad = SampleSet();
    bad.params = params;
    ExpectSerializeRefuses(
        bad,
        "scrypt parameters must be log2(N),r,p within 10-20, 1-32, 1-16 and need at most 64 MiB");
  }
  RecoverySet before_1970 = SampleSet();
  before_1970.created = -1;
  ExpectSerializeRefuses(before_1970, "the recovery set's creation time is out of range");
  Enrollment full;
  full.recovery = SampleSet(kMaxRecoveryCodes);
  Result<SecretBytes> text = SerializeDeviceFile(full);
  assert_true(text.ok());
  assert_true(ParseDeviceFile(text->view()).ok());
}

// --- State file -------------------------------------------------------------------------------

UserState SampleState() {
  UserState s;
  s.failures = 3;
  s.last_failure = 1700000123;
  s.devices.push_back(DeviceState{"0123456789abcdef", 56666667, 1700000010});
  s.devices.push_back(DeviceState{"fedcba9876543210", 0, 0});
  return s;
}

std::string Slot(const UserState& state, uint64_t sequence) {
  Result<std::string> slot = SerializeStateSlot(state, sequence);
  assert_true(slot.ok());
  return std::move(slot).value();
}

UserState WithFailures(uint32_t failures) {
  UserState s;
  s.failures = failures;
  return s;
}

StateFile ExpectStateFile(std::string_view file) {
  Result<StateFile> r = ParseStateFile(file);
  if (!r.ok()) fail_msg("%s", r.status().message().c_str());
  return std::move(r).value();
}

void StateSlotRoundTripsAtFixedSize(void**) {
  std::string slot = Slot(SampleState(), 42);
  assert_int_equal(slot.size(), kStateSlotSize);
  Result<StateSlot> back = ParseStateSlot(slot);
  assert_true(back.ok());
  assert_int_equal(back->sequence, 42);
  assert_int_equal(back->state.failures, 3);
  assert_int_equal(back->state.last_failure, 1700000123);
  assert_int_equal(back->state.devices.size(), 2);
  assert_string_equal(back->state.devices[0].id.c_str(), "0123456789abcdef");
  assert_int_equal(back->state.devices[0].last_step, 56666667);
  assert_int_equal(back->state.devices[0].last_used, 1700000010);
  assert_string_equal(back->state.devices[1].id.c_str(), "fedcba9876543210");
  assert_int_equal(back->state.devices[1].last_step, 0);
}

// The largest state a real store holds: 32 HOTP devices at the top of their counter range, a
// recovery mask and a pending resync, the largest sequence and failure count, times up to 2286.
void StateOfMaxDevicesFitsInASlot(void**) {
  UserState s;
  s.failures = UINT32_MAX;
  s.last_failure = 9999999999;
  for (size_t i = 0; i < kMaxDevices; ++i) {
    s.devices.push_back(DeviceState{HexId(i), UINT64_MAX / 2 + 1000, 9999999999});
  }
  s.recovery_id = HexId(77);
  s.recovery_used = UINT32_MAX;
  s.resync = PendingResync{HexId(5), UINT64_MAX / 2 + 1000, 9999999999};
  std::string slot = Slot(s, UINT64_MAX);
  assert_int_equal(slot.size(), kStateSlotSize);
  Result<StateSlot> back = ParseStateSlot(slot);
  if (!back.ok()) fail_msg("%s", back.status().message().c_str());
  assert_int_equal(back->state.devices.size(), kMaxDevices);
  assert_int_equal(back->state.devices[31].last_step, UINT64_MAX / 2 + 1000);
  assert_int_equal(back->state.recovery_used, UINT32_MAX);
  assert_true(back->state.resync.has_value());
  assert_int_equal(back->sequence, UINT64_MAX);
}

void StateSlotRoundTripsRecoveryAndResync(void**) {
  UserState s = SampleState();
  s.recovery_id = "00112233aabbccdd";
  s.recovery_used = 0x80000005u;
  s.resync = PendingResync{"fedcba9876543210", 1234567, 1700000200};
  std::string slot = Slot(s, 9);
  assert_true(slot.find("\nrecovery 00112233aabbccdd 2147483653\n") != std::string::npos);
  assert_true(slot.find("\nresync fedcba9876543210 1234567 1700000200\n") != std::string::npos);
  Result<StateSlot> back = ParseStateSlot(slot);
  if (!back.ok()) fail_msg("%s", back.status().message().c_str());
  assert_int_equal(back->state.devices.size(), 2);
  assert_string_equal(back->state.recovery_id.c_str(), "00112233aabbccdd");
  assert_int_equal(back->state.recovery_used, 0x80000005u);
  assert_true(back->state.resync.has_value());
  assert_string_equal(back->state.resync->device_id.c_str(), "fedcba9876543210");
  assert_int_equal(back->state.resync->counter, 1234567);
  assert_int_equal(back->state.resync->seen, 1700000200);
  // Without them, neither line is written and neither comes back.
  std::string plain = Slot(SampleState(), 10);
  assert_true(plain.find("recovery") == std::string::npos);
  assert_true(plain.find("resync") == std::string::npos);
  Result<StateSlot> none = ParseStateSlot(plain);
  assert_true(none.ok());
  assert_true(none->state.recovery_id.empty());
  assert_int_equal(none->state.recovery_used, 0);
  assert_false(none->state.resync.has_value());
}

// A slot with a valid checksum around `lines`, as a buggy or hostile writer could leave it.
std::string SlotWith(const std::string& lines) {
  std::string body = "pam_totp-state 1\nseq 1\nfailures 0\nlast_failure 0\n" + lines;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  assert_int_equal(EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha256(), nullptr), 1);
  std::string sum;
  for (size_t i = 0; i < 16; ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    sum += hex;
  }
  std::string slot = body + "sum " + sum + "\n";
  slot.resize(kStateSlotSize, '\0');
  return slot;
}

void ExpectBadSlot(const std::string& lines, const char* message) {
  Result<StateSlot> r = ParseStateSlot(SlotWith(lines));
  if (r.ok()) fail_msg("accepted: %s", lines.c_str());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kCorruption));
  assert_string_equal(r.status().message().c_str(), message);
}

void StateSlotRefusesBadRecoveryAndResyncLines(void**) {
  // The helper itself makes slots the reader accepts.
  Result<StateSlot> good = ParseStateSlot(
      SlotWith("recovery 00112233aabbccdd 3\nresync 0123456789abcdef 40 1700000000\n"));
  if (!good.ok()) fail_msg("%s", good.status().message().c_str());
  assert_int_equal(good->state.recovery_used, 3);
  assert_int_equal(good->state.resync->counter, 40);
  for (const char* line : {"recovery\n", "recovery 0011 3\n", "recovery 00112233aabbccdd\n",
                           "recovery 00112233aabbccdd x\n", "recovery 00112233aabbccdd -1\n",
                           "recovery 00112233aabbccdd 4294967296\n",
                           "recovery 00112233aabbccdd 3 4\n", "recovery 00112233aabbccdd0 3\n"}) {
    ExpectBadSlot(line, "state slot: bad recovery line");
  }
  for (const char* line :
       {"resync\n", "resync 0123 40 1700000000\n", "resync 0123456789abcdef 40\n",
        "resync 0123456789abcdef x 1700000000\n", "resync 0123456789abcdef 40 -1\n",
        "resync 0123456789abcdef 40 1700000000 5\n", "resync 0123456789abcdef  40 1700000000\n"}) {
    ExpectBadSlot(line, "state slot: bad resync line");
  }
  ExpectBadSlot("device 0123 1 2\n", "state slot: bad device line");
  ExpectBadSlot("recover 00112233aabbccdd 3\n", "state slot: unknown line");
}

void StateSlotRefusesFlippedBytes(void**) {
  std::string slot = Slot(SampleState(), 42);
  size_t failures = slot.find("failures 3");
  assert_true(failures != std::string::npos);
  std::string flipped = slot;
  flipped[failures + 9] = '4';
  Result<StateSlot> r = ParseStateSlot(flipped);
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kCorruption));
  assert_string_equal(r.status().message().c_str(), "state slot: bad checksum");
  // Every single-bit flip anywhere in the slot is caught by one check or another.
  for (size_t i = 0; i < slot.size(); i += 7) {
    std::string damaged = slot;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    assert_false(ParseStateSlot(damaged).ok());
  }
  assert_string_equal(ParseStateSlot(slot.substr(1)).status().message().c_str(),
                      "state slot: wrong size");
}

void StateFileEmptyOrAllZeroIsFresh(void**) {
  for (const std::string& file : {std::string(), std::string(kStateFileSize, '\0')}) {
    StateFile s = ExpectStateFile(file);
    assert_int_equal(s.sequence, 0);
    assert_int_equal(s.next_slot, 0);
    assert_int_equal(s.state.failures, 0);
    assert_int_equal(s.state.devices.size(), 0);
  }
}

void StateFilePicksHigherSequence(void**) {
  StateFile b_newer = ExpectStateFile(Slot(WithFailures(1), 5) + Slot(WithFailures(2), 6));
  assert_int_equal(b_newer.sequence, 6);
  assert_int_equal(b_newer.state.failures, 2);
  assert_int_equal(b_newer.next_slot, 0);
  StateFile a_newer = ExpectStateFile(Slot(WithFailures(7), 7) + Slot(WithFailures(2), 6));
  assert_int_equal(a_newer.sequence, 7);
  assert_int_equal(a_newer.state.failures, 7);
  assert_int_equal(a_newer.next_slot, 1);
}

// A newer record with a checksum that does not match its text: ParseStateFile checks the
// newer slot's checksum before it uses it (and the older slot's only when that one fails).
std::string ForgedNewerSlot() {
  std::string forged = Slot(WithFailures(10), 13);
  forged.replace(forged.find("failures 10"), 11, "failures 11");  // same length, stale sum
  return forged;
}

void StateFileSurvivesOneTornSlot(void**) {
  std::string garbage(kStateSlotSize, 'x');
  std::string good = Slot(WithFailures(9), 12);
  // A write torn half way: the new record's start over the old record's end.
  std::string torn = Slot(WithFailures(10), 13).substr(0, 40) + good.substr(40);
  for (const std::string& bad :
       {garbage, torn, std::string(kStateSlotSize, '\0'), ForgedNewerSlot()}) {
    StateFile first_ok = ExpectStateFile(good + bad);
    assert_int_equal(first_ok.state.failures, 9);
    assert_int_equal(first_ok.sequence, 12);
    assert_int_equal(first_ok.next_slot, 1);
    StateFile second_ok = ExpectStateFile(bad + good);
    assert_int_equal(second_ok.state.failures, 9);
    assert_int_equal(second_ok.next_slot, 0);
  }
}

void StateFileSkipsNewerSlotWithWrongChecksum(void**) {
  const std::string forged = ForgedNewerSlot();
  Result<StateSlot> alone = ParseStateSlot(forged);
  assert_false(alone.ok());
  assert_string_equal(alone.status().message().c_str(), "state slot: bad checksum");
  Result<StateFile> both = ParseStateFile(forged + forged);
  assert_false(both.ok());
  assert_string_equal(both.status().message().c_str(),
                      "both state slots are damaged (state slot: bad checksum; state slot: bad "
                      "checksum)");
}

void StateFileWithBothSlotsBadIsCorruption(void**) {
  Result<StateFile> r = ParseStateFile(std::string(kStateFileSize, 'x'));
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kCorruption));
  assert_string_equal(r.status().message().c_str(),
                      "both state slots are damaged (state slot: no checksum; state slot: no "
                      "checksum)");
  std::string one_zero_one_bad =
      std::string(kStateSlotSize, '\0') + std::string(kStateSlotSize, 'x');
  assert_false(ParseStateFile(one_zero_one_bad).ok());
}

void StateFileOfWrongSizeIsCorruption(void**) {
  for (size_t size : {size_t{1}, size_t{100}, kStateSlotSize, kStateFileSize + 1}) {
    Result<StateFile> r = ParseStateFile(std::string(size, '\0'));
    assert_false(r.ok());
    assert_int_equal(static_cast<int>(r.status().code()),
                     static_cast<int>(Status::Code::kCorruption));
    std::string want = "the state file is " + std::to_string(size) + " bytes, expected 4096";
    assert_string_equal(r.status().message().c_str(), want.c_str());
  }
}

// Simulates the writer: each write goes to next_slot with sequence + 1.
void StateWritesAlternateSlots(void**) {
  std::string file;
  for (uint32_t write = 0; write < 6; ++write) {
    StateFile s = ExpectStateFile(file);
    assert_int_equal(s.sequence, write);
    assert_int_equal(s.next_slot, write % 2);
    if (write > 0) assert_int_equal(s.state.failures, write - 1);
    if (file.empty()) file.assign(kStateFileSize, '\0');
    file.replace(s.next_slot * kStateSlotSize, kStateSlotSize,
                 Slot(WithFailures(write), write + 1));
  }
}

}  // namespace
}  // namespace pamtotp

int main() {
  using namespace pamtotp;  // NOLINT(google-build-using-namespace)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(DevicesRoundTrip),
      cmocka_unit_test(HotpDeviceRoundTrips),
      cmocka_unit_test(EachTypeHasOnlyItsOwnMovingPart),
      cmocka_unit_test(TypeIsRequiredAndStrict),
      cmocka_unit_test(EmptyListRoundTripsAndCommentsAreAllowed),
      cmocka_unit_test(RefusesUnknownVersionAndMissingHeader),
      cmocka_unit_test(RefusesNulTruncationAndOversize),
      cmocka_unit_test(RefusesBadFields),
      cmocka_unit_test(FileIsStrictAboutAlgorithmDigitsAndPeriod),
      cmocka_unit_test(RefusesBadSecretAndId),
      cmocka_unit_test(RefusesDuplicateIdsAndNames),
      cmocka_unit_test(RefusesMoreThanMaxDevices),
      cmocka_unit_test(RefusesLinesThatAreNotDeviceLines),
      cmocka_unit_test(SerializeRefusesInvalidDevices),
      cmocka_unit_test(SerializeRefusesDuplicateNamesAndIds),
      cmocka_unit_test(RecoveryLineRoundTrips),
      cmocka_unit_test(RecoveryLineMayComeFirstOrAlone),
      cmocka_unit_test(RefusesASecondRecoveryLineAndMissingFields),
      cmocka_unit_test(RefusesBadSaltAndCodeHashes),
      cmocka_unit_test(RefusesBadScryptParameters),
      cmocka_unit_test(RecoverySetHoldsAtMost32Codes),
      cmocka_unit_test(SerializeRefusesRecoverySetsTheReaderWouldRefuse),
      cmocka_unit_test(StateSlotRoundTripsAtFixedSize),
      cmocka_unit_test(StateOfMaxDevicesFitsInASlot),
      cmocka_unit_test(StateSlotRoundTripsRecoveryAndResync),
      cmocka_unit_test(StateSlotRefusesBadRecoveryAndResyncLines),
      cmocka_unit_test(StateSlotRefusesFlippedBytes),
      cmocka_unit_test(StateFileEmptyOrAllZeroIsFresh),
      cmocka_unit_test(StateFilePicksHigherSequence),
      cmocka_unit_test(StateFileSurvivesOneTornSlot),
      cmocka_unit_test(StateFileSkipsNewerSlotWithWrongChecksum),
      cmocka_unit_test(StateFileWithBothSlotsBadIsCorruption),
      cmocka_unit_test(StateFileOfWrongSizeIsCorruption),
      cmocka_unit_test(StateWritesAlternateSlots),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
