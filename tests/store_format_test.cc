// The store's on-disk formats: the devices file is strict (every malformed line refused with
// its line number) and the state file survives a torn write of either slot.
#include "core/store_format.h"

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
  return {
      {"id", "0123456789abcdef"}, {"name", "Phone"},         {"algorithm", "SHA1"}, {"digits", "6"},
      {"period", "30"},           {"created", "1700000000"}, {"secret", KEY32}};
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

std::string Line(const Fields& fields) {
  std::string line = "device";
  for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  return line + "\n";
}

std::string FileWith(const std::string& lines) { return std::string(kHeader) + lines; }

void ExpectCorrupt(std::string_view text, const std::string& message) {
  Result<std::vector<Device>> r = ParseDeviceFile(text);
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

void DevicesRoundTrip(void**) {
  std::vector<Device> devices;
  devices.push_back(
      MakeDevice("0123456789abcdef", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  devices.push_back(MakeDevice("fedcba9876543210", "Work laptop", HashAlgorithm::kSha256, 8, 60,
                               "12345678901234567890123456789012"));
  devices.push_back(MakeDevice("00000000000000ff", "T\xc3\xa9l\xc3\xa9phone \xf0\x9f\x93\xb1",
                               HashAlgorithm::kSha512, 7, 45, std::string(64, '\xa5')));
  devices.push_back(MakeDevice("1111111111111111", "50% = half & more", HashAlgorithm::kSha1, 6, 1,
                               std::string(128, '\0')));
  Result<SecretBytes> text = SerializeDeviceFile(devices);
  assert_true(text.ok());
  assert_true(text->view().find(" name=Work%20laptop ") != std::string_view::npos);
  Result<std::vector<Device>> back = ParseDeviceFile(text->view());
  if (!back.ok()) fail_msg("%s", back.status().message().c_str());
  assert_int_equal(back->size(), devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    const Device& a = devices[i];
    const Device& b = (*back)[i];
    assert_string_equal(a.id.c_str(), b.id.c_str());
    assert_string_equal(a.name.c_str(), b.name.c_str());
    assert_true(a.secret.view() == b.secret.view());
    assert_int_equal(static_cast<int>(a.algorithm), static_cast<int>(b.algorithm));
    assert_int_equal(a.digits, b.digits);
    assert_int_equal(a.period, b.period);
    assert_int_equal(a.created, b.created);
  }
  Result<SecretBytes> again = SerializeDeviceFile(*back);
  assert_true(again.ok());
  assert_true(again->view() == text->view());
}

void EmptyListRoundTripsAndCommentsAreAllowed(void**) {
  Result<SecretBytes> text = SerializeDeviceFile({});
  assert_true(text.ok());
  Result<std::vector<Device>> back = ParseDeviceFile(text->view());
  assert_true(back.ok());
  assert_int_equal(back->size(), 0);
  std::string commented = "# top\n\n" + std::string(kHeader) + "# between\n" +
                          Line(DefaultFields()) + "\n#device id=bogus\n";
  Result<std::vector<Device>> one = ParseDeviceFile(commented);
  assert_true(one.ok());
  assert_int_equal(one->size(), 1);
  assert_string_equal((*one)[0].name.c_str(), "Phone");
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
  for (const char* field : {"id", "name", "algorithm", "digits", "period", "created", "secret"}) {
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
  for (const char* digits : {"6x", "-6", "+6", "", " 6"}) {
    ExpectCorrupt(FileWith(Line(Set(d, "digits", digits))),
                  std::string("line 2: field 'digits' is not a number"));
  }
  ExpectCorrupt(FileWith(Line(Set(d, "digits", "99999999999999999999"))),
                "line 2: field 'digits' is not a number");  // does not fit in 64 bits
  ExpectCorrupt(FileWith(Line(Set(d, "digits", "4294967302"))),
                "line 2: field 'digits' is out of range");  // 6 after a 32-bit wrap
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
  Result<std::vector<Device>> full = ParseDeviceFile(FileWith(lines));
  assert_true(full.ok());
  assert_int_equal(full->size(), kMaxDevices);
  lines += Line(Set(Set(DefaultFields(), "id", HexId(99)), "name", "one-too-many"));
  ExpectCorrupt(FileWith(lines), "line 34: more than 32 devices");
  std::vector<Device> too_many = std::move(full).value();
  too_many.push_back(too_many.back().Clone());
  Result<SecretBytes> text = SerializeDeviceFile(too_many);
  assert_false(text.ok());
  assert_string_equal(text.status().message().c_str(), "at most 32 devices per user");
}

void RefusesLinesThatAreNotDeviceLines(void**) {
  ExpectCorrupt(FileWith("hello\n"), "line 2: expected a 'device' line");
  ExpectCorrupt(FileWith(Line(DefaultFields()) + " # indented comment\n"),
                "line 3: expected a 'device' line");
  ExpectCorrupt(FileWith("device\n"), "line 2: expected a 'device' line");
  ExpectCorrupt(FileWith(std::string(kHeader)), "line 2: expected a 'device' line");
}

void SerializeRefusesInvalidDevices(void**) {
  std::vector<Device> devices;
  devices.push_back(MakeDevice("0123456789abcdef", " Phone", HashAlgorithm::kSha1, 6, 30,
                               "12345678901234567890"));
  Result<SecretBytes> text = SerializeDeviceFile(devices);
  assert_false(text.ok());
  assert_string_equal(text.status().message().c_str(),
                      "device ' Phone': the device name starts or ends with a space");
}

// Regression: the writer accepted duplicate names and ids, which the reader refuses, so one bad
// edit left a devices file that no login and no totpctl command could read again.
void SerializeRefusesDuplicateNamesAndIds(void**) {
  std::vector<Device> devices;
  devices.push_back(
      MakeDevice("0123456789abcdef", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  devices.push_back(
      MakeDevice("fedcba9876543210", "Phone", HashAlgorithm::kSha1, 6, 30, "12345678901234567890"));
  Result<SecretBytes> text = SerializeDeviceFile(devices);
  assert_false(text.ok());
  assert_int_equal(static_cast<int>(text.status().code()),
                   static_cast<int>(Status::Code::kAlreadyExists));
  assert_string_equal(text.status().message().c_str(), "two devices are named 'Phone'");
  devices[1].name = "Tablet";
  devices[1].id = devices[0].id;
  text = SerializeDeviceFile(devices);
  assert_false(text.ok());
  assert_string_equal(text.status().message().c_str(), "two devices have the id 0123456789abcdef");
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

void StateOfMaxDevicesFitsInASlot(void**) {
  UserState s;
  s.failures = 4000000000u;
  s.last_failure = 4102444800;  // 2100
  for (size_t i = 0; i < kMaxDevices; ++i) {
    s.devices.push_back(DeviceState{HexId(i), 4102444800, 4102444800});  // period 1 in 2100
  }
  std::string slot = Slot(s, UINT64_MAX - 1);
  Result<StateSlot> back = ParseStateSlot(slot);
  assert_true(back.ok());
  assert_int_equal(back->state.devices.size(), kMaxDevices);
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

void StateFileSurvivesOneTornSlot(void**) {
  std::string garbage(kStateSlotSize, 'x');
  std::string good = Slot(WithFailures(9), 12);
  // A write torn half way: the new record's start over the old record's end.
  std::string torn = Slot(WithFailures(10), 13).substr(0, 40) + good.substr(40);
  for (const std::string& bad : {garbage, torn, std::string(kStateSlotSize, '\0')}) {
    StateFile first_ok = ExpectStateFile(good + bad);
    assert_int_equal(first_ok.state.failures, 9);
    assert_int_equal(first_ok.sequence, 12);
    assert_int_equal(first_ok.next_slot, 1);
    StateFile second_ok = ExpectStateFile(bad + good);
    assert_int_equal(second_ok.state.failures, 9);
    assert_int_equal(second_ok.next_slot, 0);
  }
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
      cmocka_unit_test(StateSlotRoundTripsAtFixedSize),
      cmocka_unit_test(StateOfMaxDevicesFitsInASlot),
      cmocka_unit_test(StateSlotRefusesFlippedBytes),
      cmocka_unit_test(StateFileEmptyOrAllZeroIsFresh),
      cmocka_unit_test(StateFilePicksHigherSequence),
      cmocka_unit_test(StateFileSurvivesOneTornSlot),
      cmocka_unit_test(StateFileWithBothSlotsBadIsCorruption),
      cmocka_unit_test(StateFileOfWrongSizeIsCorruption),
      cmocka_unit_test(StateWritesAlternateSlots),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
