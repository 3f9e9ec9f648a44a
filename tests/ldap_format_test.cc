// The directory store's entries without a server: what is written reads back the same, DN
// values are escaped, and a malformed or incomplete entry is refused naming it.
#include "core/ldap_format.h"

#include <string>
#include <vector>

#include "core/base32.h"
#include "tests/test_support.h"

namespace pamtotp {
namespace {

using ldap::Attribute;
using ldap::Entry;

constexpr char kBase[] = "ou=totp,dc=example,dc=test";
#define KEY32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

Device MakeDevice(const std::string& id, const std::string& name, OtpType type) {
  Device d;
  d.id = id;
  d.name = name;
  d.secret = Base32Decode(KEY32).value();
  d.algorithm = HashAlgorithm::kSha256;
  d.digits = 8;
  d.period = 60;
  d.created = 1700000000;
  d.type = type;
  d.counter = type == OtpType::kHotp ? 42 : 0;
  return d;
}

// The entries a search would return for this account, built with the writer's functions.
std::vector<Entry> EntriesOf(const Enrollment& enrollment, const UserState& state,
                             uint64_t serial) {
  std::vector<Entry> entries;
  Entry account;
  account.dn = ldap::AccountDn("alice", kBase).value();
  account.attributes = ldap::NewAccountAttributes("alice", enrollment).value();
  for (Attribute& a : account.attributes) {
    if (a.name == ldap::kSerialAttr) a.values = {std::to_string(serial)};
  }
  for (Attribute& a : ldap::StateAttributes(state)) {
    if (!a.values.empty()) account.attributes.push_back(std::move(a));
  }
  entries.push_back(std::move(account));
  for (const Device& d : enrollment.devices) {
    Entry device;
    device.dn = ldap::DeviceDn(d.id, entries.front().dn);
    device.attributes = ldap::DeviceAttributes(d).value();
    entries.push_back(std::move(device));
  }
  return entries;
}

Enrollment TwoDevices() {
  Enrollment e;
  e.devices.push_back(MakeDevice("0123456789abcdef", "My iPhone", OtpType::kTotp));
  e.devices.push_back(MakeDevice("fedcba9876543210", "Token, red", OtpType::kHotp));
  RecoverySet set;
  set.id = "00112233445566aa";
  set.created = 1700000001;
  set.hashes.push_back({});
  set.hashes.back().fill(7);
  e.recovery = std::move(set);
  return e;
}

UserState SomeState() {
  UserState s;
  s.devices.push_back(DeviceState{"fedcba9876543210", 45, 1700000100});
  s.devices.push_back(DeviceState{"0123456789abcdef", 56666668, 1700000099});
  s.failures = 3;
  s.last_failure = 1700000200;
  s.recovery_id = "00112233445566aa";
  s.recovery_used = 5;
  s.resync = PendingResync{"fedcba9876543210", 60, 1700000150};
  return s;
}

void WhatIsWrittenReadsBack(void**) {
  Enrollment written = TwoDevices();
  UserState state = SomeState();
  Result<ldap::Account> read = ldap::ParseAccount(EntriesOf(written, state, 17));
  if (!read.ok()) fail_msg("%s", read.status().message().c_str());
  assert_true(read->exists);
  assert_int_equal(read->serial, 17);
  assert_int_equal(read->enrollment.devices.size(), 2);
  for (size_t i = 0; i < 2; ++i) {
    const Device& a = written.devices[i];
    const Device& b = read->enrollment.devices[i];
    ASSERT_STR_EQ(a.id, b.id);
    ASSERT_STR_EQ(a.name, b.name);
    assert_true(a.secret.view() == b.secret.view());
    assert_true(a.algorithm == b.algorithm && a.type == b.type);
    assert_int_equal(a.digits, b.digits);
    assert_int_equal(a.created, b.created);
    assert_int_equal(a.type == OtpType::kTotp ? a.period : static_cast<int>(a.counter),
                     a.type == OtpType::kTotp ? b.period : static_cast<int>(b.counter));
  }
  assert_true(read->enrollment.recovery.has_value());
  ASSERT_STR_EQ(read->enrollment.recovery->id, "00112233445566aa");
  assert_int_equal(read->enrollment.recovery->hashes.size(), 1);
  // The state attributes are canonical: what was read gives the same values again.
  std::vector<Attribute> again = ldap::StateAttributes(read->state);
  std::vector<Attribute> first = ldap::StateAttributes(state);
  for (size_t i = 0; i < first.size(); ++i) assert_true(again[i].values == first[i].values);
  assert_int_equal(read->state.failures, 3);
  assert_int_equal(read->state.Find("0123456789abcdef")->last_step, 56666668);
  assert_int_equal(read->state.resync->counter, 60);
  assert_int_equal(read->state.recovery_used, 5);
}

void NoEntriesIsNoAccount(void**) {
  Result<ldap::Account> none = ldap::ParseAccount({});
  assert_true(none.ok());
  assert_false(none->exists);
  assert_true(none->enrollment.devices.empty());
}

void DnValuesAreEscaped(void**) {
  ASSERT_STR_EQ(ldap::EscapeDnValue("alice"), "alice");
  ASSERT_STR_EQ(ldap::EscapeDnValue("a,b+c=d"), "a\\,b\\+c\\=d");
  ASSERT_STR_EQ(ldap::EscapeDnValue("#x y "), "\\#x y\\ ");
  ASSERT_STR_EQ(ldap::EscapeDnValue(" <\"\\>;"), "\\ \\<\\\"\\\\\\>\\;");
  ASSERT_STR_EQ(ldap::AccountDn("bob", kBase).value(),
                "pamTotpUser=bob,ou=totp,dc=example,dc=test");
  // A hostile name cannot climb out of the base: it is refused or escaped into one value.
  assert_false(ldap::AccountDn("../root", kBase).ok());
  assert_false(ldap::AccountDn("a\nb", kBase).ok());
  // The directory would fold spaces ("a  b" finds "a b"): such names are refused.
  assert_false(ldap::AccountDn("a b", kBase).ok());
  assert_false(ldap::AccountDn("alice ", kBase).ok());
  ASSERT_STR_EQ(ldap::AccountDn("x,ou=admins", kBase).value(),
                "pamTotpUser=x\\,ou\\=admins,ou=totp,dc=example,dc=test");
}

void ExpectRefused(std::vector<Entry> entries, const std::string& message) {
  Result<ldap::Account> r = ldap::ParseAccount(entries);
  if (r.ok()) fail_msg("accepted entries that should be refused (%s)", message.c_str());
  assert_int_equal(static_cast<int>(r.status().code()),
                   static_cast<int>(Status::Code::kCorruption));
  ASSERT_CONTAINS(r.status().message(), message);
}

void SetValue(Entry& entry, const std::string& name, std::vector<std::string> values) {
  for (Attribute& a : entry.attributes) {
    if (a.name == name) {
      a.values = std::move(values);
      return;
    }
  }
  entry.attributes.emplace_back(name, std::move(values));
}

void MalformedEntriesAreRefused(void**) {
  const Enrollment e = TwoDevices();
  const UserState s = SomeState();
  struct Case {
    size_t entry;  // 0: the account, 1: the first device
    std::string attribute;
    std::vector<std::string> values;
    std::string message;
  };
  const std::vector<Case> cases = {
      {0, ldap::kSerialAttr, {"x"}, "pamTotpSerial is not a number"},
      {0, ldap::kSerialAttr, {"1", "2"}, "pamTotpSerial has several values"},
      {0, ldap::kFailuresAttr, {"-1"}, "pamTotpFailures is not a number"},
      {0, ldap::kUsedStepAttr, {"0123456789abcdef 12"}, "pamTotpUsedStep value"},
      {0, ldap::kUsedStepAttr, {"XYZ 1 2"}, "pamTotpUsedStep value"},
      {0,
       ldap::kUsedStepAttr,
       {"0123456789abcdef 1 2", "0123456789abcdef 3 4"},
       "pamTotpUsedStep value"},
      {0, ldap::kResyncAttr, {"fedcba9876543210 x 1"}, "pamTotpResync"},
      {0, ldap::kRecoveryUsedAttr, {"short 1"}, "pamTotpRecoveryUsed"},
      {0, ldap::kRecoveryAttr, {"id=zz"}, "pamTotpRecovery"},
      {1, ldap::kSecretAttr, {"not-base32!"}, "bad secret"},
      {1, ldap::kSecretAttr, {"A=B"}, "pamTotpSecret is not base32"},
      {1, ldap::kSecretAttr, {}, "pamTotpSecret is missing"},
      {1, ldap::kDigitsAttr, {"9"}, "digits"},
      {1, ldap::kAlgorithmAttr, {"MD5"}, "algorithm"},
      {1, ldap::kTypeAttr, {"totp x=1"}, "pamTotpType holds a space"},
      {1, ldap::kDeviceNameAttr, {""}, "name"},
      {1, ldap::kCounterAttr, {"1"}, "a totp device has no field 'counter'"},
  };
  for (const Case& c : cases) {
    std::vector<Entry> entries = EntriesOf(e, s, 1);
    SetValue(entries[c.entry], c.attribute, c.values);
    ExpectRefused(std::move(entries), c.message);
  }
  // Two devices with one name; devices without their account; two accounts.
  std::vector<Entry> entries = EntriesOf(e, s, 1);
  SetValue(entries[2], ldap::kDeviceNameAttr, {"My iPhone"});
  ExpectRefused(std::move(entries), "a second device");
  entries = EntriesOf(e, s, 1);
  entries.erase(entries.begin());
  ExpectRefused(std::move(entries), "devices without their account entry");
  entries = EntriesOf(e, s, 1);
  std::vector<Entry> more = EntriesOf(e, s, 2);
  entries.push_back(std::move(more.front()));
  ExpectRefused(std::move(entries), "a second account entry");
}

void WriterRefusesBadDevices(void**) {
  Device d = MakeDevice("0123456789abcdef", "Phone", OtpType::kTotp);
  d.digits = 5;
  assert_false(ldap::DeviceAttributes(d).ok());
  assert_false(ldap::NewAccountAttributes("../x", Enrollment()).ok());
}

}  // namespace
}  // namespace pamtotp

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pamtotp::WhatIsWrittenReadsBack),
      cmocka_unit_test(pamtotp::NoEntriesIsNoAccount),
      cmocka_unit_test(pamtotp::DnValuesAreEscaped),
      cmocka_unit_test(pamtotp::MalformedEntriesAreRefused),
      cmocka_unit_test(pamtotp::WriterRefusesBadDevices),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
