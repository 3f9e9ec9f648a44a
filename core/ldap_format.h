// The directory store's entries (pam_totp-ldap(5), packaging/ldap/pam_totp.ldif) as pure
// functions over attribute values: what ldap_store.cc reads and writes, testable and fuzzable
// without a server. No libldap here.
//
// An account is pamTotpUser=<name>,<base> (class pamTotpAccount): the serial that every change
// moves, the login state and the recovery set. Its devices are the entries below it (class
// pamTotpDevice), one per device, named by id.
#ifndef PAMTOTP_CORE_LDAP_FORMAT_H_
#define PAMTOTP_CORE_LDAP_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/status.h"

namespace pamtotp::ldap {

// Names as in the schema. Attribute names are matched without case.
inline constexpr char kAccountClass[] = "pamTotpAccount";
inline constexpr char kDeviceClass[] = "pamTotpDevice";
inline constexpr char kUserAttr[] = "pamTotpUser";
inline constexpr char kSerialAttr[] = "pamTotpSerial";
inline constexpr char kFailuresAttr[] = "pamTotpFailures";
inline constexpr char kLastFailureAttr[] = "pamTotpLastFailure";
inline constexpr char kUsedStepAttr[] = "pamTotpUsedStep";
inline constexpr char kResyncAttr[] = "pamTotpResync";
inline constexpr char kRecoveryAttr[] = "pamTotpRecovery";
inline constexpr char kRecoveryUsedAttr[] = "pamTotpRecoveryUsed";
inline constexpr char kDeviceIdAttr[] = "pamTotpDeviceId";
inline constexpr char kDeviceNameAttr[] = "pamTotpDeviceName";
inline constexpr char kSecretAttr[] = "pamTotpSecret";
inline constexpr char kTypeAttr[] = "pamTotpType";
inline constexpr char kAlgorithmAttr[] = "pamTotpAlgorithm";
inline constexpr char kDigitsAttr[] = "pamTotpDigits";
inline constexpr char kPeriodAttr[] = "pamTotpPeriod";
inline constexpr char kCreatedAttr[] = "pamTotpCreated";
inline constexpr char kCounterAttr[] = "pamTotpCounter";

// Values may hold a secret (pamTotpSecret) or recovery hashes: an Attribute wipes them.
struct Attribute {
  std::string name;
  std::vector<std::string> values;

  Attribute() = default;
  Attribute(std::string n, std::vector<std::string> v) : name(std::move(n)), values(std::move(v)) {}
  Attribute(Attribute&&) = default;
  Attribute& operator=(Attribute&&) = default;
  Attribute(const Attribute&) = delete;
  Attribute& operator=(const Attribute&) = delete;
  ~Attribute();
};

struct Entry {
  std::string dn;
  std::vector<Attribute> attributes;
  // The values of attribute `name` (compared without case), or nullptr.
  const std::vector<std::string>* Find(std::string_view name) const;
};

// What one subtree search of an account returns, parsed.
struct Account {
  bool exists = false;  // no account entry: no devices, no state
  uint64_t serial = 0;
  Enrollment enrollment;
  UserState state;
};

// RFC 4514: `value` escaped for use as an attribute value in a DN.
std::string EscapeDnValue(std::string_view value);
// "pamTotpUser=<user>,<base>"; refuses what ValidateUserName refuses.
Result<std::string> AccountDn(std::string_view user, std::string_view base);
std::string DeviceDn(std::string_view device_id, std::string_view account_dn);

// The attributes a search asks for (all of ours, nothing else).
const std::vector<const char*>& SearchAttributes();

// `entries`: the account entry and the device entries below it, in any order. Corruption (the
// message names the entry) if any value is malformed or an entry is missing a part.
Result<Account> ParseAccount(const std::vector<Entry>& entries);

// The state attributes of the account entry, each with its full set of values (none: the
// attribute is absent). Values are canonical, so equal states give equal values.
std::vector<Attribute> StateAttributes(const UserState& state);
// A new account entry: objectClass, pamTotpUser, pamTotpSerial 0, recovery set if any.
Result<std::vector<Attribute>> NewAccountAttributes(std::string_view user,
                                                    const Enrollment& enrollment);
// pamTotpRecovery's values for `enrollment` (none without a set).
Result<Attribute> RecoveryAttribute(const Enrollment& enrollment);
// A device entry's attributes, objectClass and pamTotpDeviceId included. Validates the device.
Result<std::vector<Attribute>> DeviceAttributes(const Device& device);

}  // namespace pamtotp::ldap

#endif  // PAMTOTP_CORE_LDAP_FORMAT_H_
