#include "core/ldap_format.h"

#include <openssl/crypto.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <optional>

#include "core/base32.h"
#include "core/otpauth_uri.h"
#include "core/store_format.h"
#include "core/store_path.h"

namespace pamtotp::ldap {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

template <typename Int>
std::optional<Int> ParseNumber(std::string_view text) {
  Int value{};
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != text.npos) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Status EntryError(const Entry& entry, const std::string& what) {
  return Status::Corruption("directory entry " + entry.dn + ": " + what);
}

// The one value of a single-valued attribute; nullptr if absent.
Result<const std::string*> Single(const Entry& entry, std::string_view name, bool required) {
  const std::vector<std::string>* values = entry.Find(name);
  if (values == nullptr || values->empty()) {
    if (required) return EntryError(entry, std::string(name) + " is missing");
    return static_cast<const std::string*>(nullptr);
  }
  if (values->size() > 1) return EntryError(entry, std::string(name) + " has several values");
  return &values->front();
}

// "<a> <b> <c>": three space-separated words.
bool SplitThree(std::string_view text, std::string_view& a, std::string_view& b,
                std::string_view& c) {
  size_t first = text.find(' ');
  if (first == text.npos) return false;
  size_t second = text.find(' ', first + 1);
  if (second == text.npos) return false;
  a = text.substr(0, first);
  b = text.substr(first + 1, second - first - 1);
  c = text.substr(second + 1);
  return true;
}

Status ParseState(const Entry& entry, UserState& state) {
  Result<const std::string*> failures = Single(entry, kFailuresAttr, false);
  Result<const std::string*> last_failure = Single(entry, kLastFailureAttr, false);
  Result<const std::string*> resync = Single(entry, kResyncAttr, false);
  Result<const std::string*> used = Single(entry, kRecoveryUsedAttr, false);
  for (const auto* r : {&failures, &last_failure, &resync, &used}) {
    if (!r->ok()) return r->status();
  }
  if (*failures) {
    std::optional<uint32_t> n = ParseNumber<uint32_t>(**failures);
    if (!n) return EntryError(entry, std::string(kFailuresAttr) + " is not a number");
    state.failures = *n;
  }
  if (*last_failure) {
    std::optional<int64_t> n = ParseNumber<int64_t>(**last_failure);
    if (!n) return EntryError(entry, std::string(kLastFailureAttr) + " is not a number");
    state.last_failure = *n;
  }
  if (const std::vector<std::string>* steps = entry.Find(kUsedStepAttr)) {
    for (const std::string& value : *steps) {
      std::string_view id, step, at;
      std::optional<uint64_t> s;
      std::optional<int64_t> t;
      if (!SplitThree(value, id, step, at) || !IsDeviceId(id) ||
          !(s = ParseNumber<uint64_t>(step)) || !(t = ParseNumber<int64_t>(at)) ||
          state.Find(id) != nullptr || state.devices.size() == kMaxDevices) {
        return EntryError(entry, std::string(kUsedStepAttr) + " value '" + value +
                                     "' is not \"<device id> <step> <unix seconds>\"");
      }
      state.devices.push_back(DeviceState{std::string(id), *s, *t});
    }
  }
  if (*resync) {
    std::string_view id, counter, seen;
    std::optional<uint64_t> c;
    std::optional<int64_t> t;
    if (!SplitThree(**resync, id, counter, seen) || !IsDeviceId(id) ||
        !(c = ParseNumber<uint64_t>(counter)) || !(t = ParseNumber<int64_t>(seen))) {
      return EntryError(
          entry, std::string(kResyncAttr) + " is not \"<device id> <counter> <unix seconds>\"");
    }
    state.resync = PendingResync{std::string(id), *c, *t};
  }
  if (*used) {
    std::string_view text = **used;
    size_t space = text.find(' ');
    std::optional<uint32_t> mask;
    if (space != 16 || !IsDeviceId(text.substr(0, 16)) ||
        !(mask = ParseNumber<uint32_t>(text.substr(17)))) {
      return EntryError(entry, std::string(kRecoveryUsedAttr) + " is not \"<set id> <mask>\"");
    }
    state.recovery_id = std::string(text.substr(0, 16));
    state.recovery_used = *mask;
  }
  return Status::Ok();
}

Result<Device> ParseDevice(const Entry& entry) {
  // The values are put in the device-file field syntax and read by its parser, so a device
  // is validated the same way whichever store it comes from.
  struct Field {
    const char* attribute;
    const char* key;
    bool required;
  };
  static constexpr Field kFields[] = {
      {kDeviceIdAttr, "id", true},         {kTypeAttr, "type", true},
      {kAlgorithmAttr, "algorithm", true}, {kDigitsAttr, "digits", true},
      {kPeriodAttr, "period", false},      {kCounterAttr, "counter", false},
      {kCreatedAttr, "created", true}};
  SecretBytes fields;
  for (const Field& f : kFields) {
    Result<const std::string*> value = Single(entry, f.attribute, f.required);
    if (!value.ok()) return value.status();
    if (*value == nullptr) continue;
    if ((*value)->find_first_of(" =") != std::string::npos) {
      return EntryError(entry, std::string(f.attribute) + " holds a space or '='");
    }
    fields.Append(std::string(f.key) + "=" + **value + " ");
  }
  Result<const std::string*> name = Single(entry, kDeviceNameAttr, true);
  if (!name.ok()) return name.status();
  fields.Append("name=" + PercentEncode(**name) + " secret=");
  Result<const std::string*> secret = Single(entry, kSecretAttr, true);
  if (!secret.ok()) return secret.status();
  if ((*secret)->find_first_of(" =") != std::string::npos) {
    return EntryError(entry, std::string(kSecretAttr) + " is not base32");
  }
  fields.Append(**secret);
  Result<Device> device = ParseDeviceFields(fields.view());
  if (!device.ok()) return EntryError(entry, device.status().message());
  return device;
}

// The directory compares pamTotpUser with caseExactMatch, which ignores leading and trailing
// spaces and folds runs of them: "a  b" would find the account of "a b". Names with spaces
// are refused rather than shared.
Status CheckDirectoryUserName(std::string_view user) {
  if (Status s = ValidateUserName(user); !s.ok()) return s;
  if (user.find(' ') != std::string_view::npos) {
    return Status::InvalidArgument("user names with spaces cannot be kept in the directory store");
  }
  return Status::Ok();
}

}  // namespace

Attribute::~Attribute() {
  for (std::string& value : values) OPENSSL_cleanse(value.data(), value.size());
}

const std::vector<std::string>* Entry::Find(std::string_view name) const {
  for (const Attribute& a : attributes) {
    if (SameName(a.name, name)) return &a.values;
  }
  return nullptr;
}

std::string EscapeDnValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    auto u = static_cast<unsigned char>(value[i]);
    const bool edge_space = u == ' ' && (i == 0 || i + 1 == value.size());
    if (u < 0x20 || u == 0x7f) {
      out += '\\';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else if (std::string_view(",+\"\\<>;=").find(static_cast<char>(u)) !=
                   std::string_view::npos ||
               edge_space || (i == 0 && u == '#')) {
      out += '\\';
      out += static_cast<char>(u);
    } else {
      out += static_cast<char>(u);
    }
  }
  return out;
}

Result<std::string> AccountDn(std::string_view user, std::string_view base) {
  if (Status s = CheckDirectoryUserName(user); !s.ok()) return s;
  return std::string(kUserAttr) + "=" + EscapeDnValue(user) + "," + std::string(base);
}

std::string DeviceDn(std::string_view device_id, std::string_view account_dn) {
  return std::string(kDeviceIdAttr) + "=" + EscapeDnValue(device_id) + "," +
         std::string(account_dn);
}

const std::vector<const char*>& SearchAttributes() {
  static const std::vector<const char*> kAttributes = {
      kUserAttr,      kSerialAttr,     kFailuresAttr, kLastFailureAttr,
      kUsedStepAttr,  kResyncAttr,     kRecoveryAttr, kRecoveryUsedAttr,
      kDeviceIdAttr,  kDeviceNameAttr, kSecretAttr,   kTypeAttr,
      kAlgorithmAttr, kDigitsAttr,     kPeriodAttr,   kCreatedAttr,
      kCounterAttr,   nullptr};
  return kAttributes;
}

Result<Account> ParseAccount(const std::vector<Entry>& entries) {
  Account account;
  for (const Entry& entry : entries) {
    if (entry.Find(kDeviceIdAttr) != nullptr) {
      if (account.enrollment.devices.size() == kMaxDevices) {
        return EntryError(entry, "more than " + std::to_string(kMaxDevices) + " devices");
      }
      Result<Device> device = ParseDevice(entry);
      if (!device.ok()) return device.status();
      for (const Device& d : account.enrollment.devices) {
        if (d.id == device->id || d.name == device->name) {
          return EntryError(entry,
                            "a second device with the id " + d.id + " or name '" + d.name + "'");
        }
      }
      account.enrollment.devices.push_back(std::move(device).value());
      continue;
    }
    if (entry.Find(kSerialAttr) == nullptr) {
      return EntryError(entry, "neither an account (no pamTotpSerial) nor a device");
    }
    if (account.exists) return EntryError(entry, "a second account entry");
    account.exists = true;
    Result<const std::string*> serial = Single(entry, kSerialAttr, true);
    if (!serial.ok()) return serial.status();
    std::optional<uint64_t> n = ParseNumber<uint64_t>(**serial);
    if (!n) return EntryError(entry, std::string(kSerialAttr) + " is not a number");
    account.serial = *n;
    if (Status s = ParseState(entry, account.state); !s.ok()) return s;
    Result<const std::string*> recovery = Single(entry, kRecoveryAttr, false);
    if (!recovery.ok()) return recovery.status();
    if (*recovery) {
      Result<RecoverySet> set = ParseRecoveryFields(**recovery);
      if (!set.ok()) return EntryError(entry, "pamTotpRecovery: " + set.status().message());
      account.enrollment.recovery = std::move(set).value();
    }
  }
  if (!account.exists && !account.enrollment.devices.empty()) {
    return Status::Corruption("directory: devices without their account entry");
  }
  return account;
}

std::vector<Attribute> StateAttributes(const UserState& state) {
  std::vector<Attribute> out;
  auto number = [](auto n) { return std::vector<std::string>{std::to_string(n)}; };
  out.emplace_back(kFailuresAttr,
                   state.failures ? number(state.failures) : std::vector<std::string>{});
  out.emplace_back(kLastFailureAttr,
                   state.last_failure ? number(state.last_failure) : std::vector<std::string>{});
  std::vector<std::string> steps;
  for (const DeviceState& d : state.devices) {
    steps.push_back(d.id + " " + std::to_string(d.last_step) + " " + std::to_string(d.last_used));
  }
  std::sort(steps.begin(), steps.end());
  out.emplace_back(kUsedStepAttr, std::move(steps));
  std::vector<std::string> resync;
  if (state.resync) {
    resync.push_back(state.resync->device_id + " " + std::to_string(state.resync->counter) + " " +
                     std::to_string(state.resync->seen));
  }
  out.emplace_back(kResyncAttr, std::move(resync));
  std::vector<std::string> used;
  if (!state.recovery_id.empty()) {
    used.push_back(state.recovery_id + " " + std::to_string(state.recovery_used));
  }
  out.emplace_back(kRecoveryUsedAttr, std::move(used));
  return out;
}

Result<Attribute> RecoveryAttribute(const Enrollment& enrollment) {
  Attribute attribute(kRecoveryAttr, {});
  if (enrollment.recovery) {
    Result<std::string> fields = SerializeRecoveryFields(*enrollment.recovery);
    if (!fields.ok()) return fields.status();
    attribute.values.push_back(std::move(fields).value());
  }
  return attribute;
}

Result<std::vector<Attribute>> NewAccountAttributes(std::string_view user,
                                                    const Enrollment& enrollment) {
  if (Status s = CheckDirectoryUserName(user); !s.ok()) return s;
  std::vector<Attribute> out;
  out.emplace_back("objectClass", std::vector<std::string>{kAccountClass});
  out.emplace_back(kUserAttr, std::vector<std::string>{std::string(user)});
  out.emplace_back(kSerialAttr, std::vector<std::string>{"0"});
  Result<Attribute> recovery = RecoveryAttribute(enrollment);
  if (!recovery.ok()) return recovery.status();
  if (!recovery->values.empty()) out.push_back(std::move(recovery).value());
  return out;
}

Result<std::vector<Attribute>> DeviceAttributes(const Device& d) {
  if (Status s = ValidateDevice(d); !s.ok()) return s.WithContext("device '" + d.name + "'");
  std::vector<Attribute> out;
  auto one = [&](const char* name, std::string value) {
    out.emplace_back(name, std::vector<std::string>{std::move(value)});
  };
  one("objectClass", kDeviceClass);
  one(kDeviceIdAttr, d.id);
  one(kDeviceNameAttr, d.name);
  one(kSecretAttr, std::string(Base32Encode(d.secret.bytes()).view()));
  one(kTypeAttr, d.type == OtpType::kTotp ? "totp" : "hotp");
  one(kAlgorithmAttr, std::string(AlgorithmName(d.algorithm)));
  one(kDigitsAttr, std::to_string(d.digits));
  if (d.type == OtpType::kTotp) {
    one(kPeriodAttr, std::to_string(d.period));
  } else {
    one(kCounterAttr, std::to_string(d.counter));
  }
  one(kCreatedAttr, std::to_string(d.created));
  return out;
}

}  // namespace pamtotp::ldap
