// What the store holds: a user's enrolled devices (secret, rarely written) and the login
// state (written on every attempt), kept in separate records so a login never rewrites a secret.
#ifndef PAMTOTP_CORE_DEVICE_H_
#define PAMTOTP_CORE_DEVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/otp.h"
#include "core/recovery.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

inline constexpr size_t kMaxDevices = 32;
inline constexpr size_t kMaxDeviceNameLength = 64;

enum class OtpType {
  kTotp,  // RFC 6238: the counter is the time step
  kHotp,  // RFC 4226: the counter advances with each code the token shows
};

struct Device {
  std::string id;    // 16 hex characters; the state refers to devices by id, not name
  std::string name;  // unique per user, e.g. "My iPhone"
  SecretBytes secret;
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
  int digits = 6;
  int period = 30;      // TOTP: seconds per step
  int64_t created = 0;  // unix seconds
  OtpType type = OtpType::kTotp;
  uint64_t counter = 0;  // HOTP: the first counter value the token will show

  Device Clone() const {
    return Device{id, name, secret.Clone(), algorithm, digits, period, created, type, counter};
  }
};

// Everything enrolled for one user: the secrets file's contents.
struct Enrollment {
  std::vector<Device> devices;
  std::optional<RecoverySet> recovery;

  Enrollment Clone() const;
};

struct DeviceState {
  std::string id;
  // TOTP: the highest time step accepted; HOTP: the highest counter accepted. A code for this
  // value or a lower one is never accepted again.
  uint64_t last_step = 0;
  int64_t last_used = 0;  // unix seconds of that acceptance; 0 = never used
};

// An HOTP token found ahead of the look-ahead window: the next code must be for counter + 1.
struct PendingResync {
  std::string device_id;
  uint64_t counter = 0;
  int64_t seen = 0;  // unix seconds; a resync must be finished within kResyncSeconds
};

struct UserState {
  std::vector<DeviceState> devices;
  uint32_t failures = 0;       // consecutive failed attempts since the last success
  int64_t last_failure = 0;    // unix seconds
  std::string recovery_id;     // the recovery set the mask below refers to
  uint32_t recovery_used = 0;  // bit i set: code i of that set is spent
  std::optional<PendingResync> resync;

  DeviceState* Find(std::string_view id);
  const DeviceState* Find(std::string_view id) const;
};

// Whether the change from `before` to `after` must reach the disk before the login succeeds.
// True when a one-time value with no time in it was spent: an HOTP counter advanced or a
// recovery code used (after a crash, nothing else would stop them being used again). A TOTP
// step is not: a step a login before a boot may have used is never accepted after it (Clock in
// verifier.h). Failure counts are not either: a crash may forget those of the last seconds.
bool NeedsSync(const Enrollment& enrollment, const UserState& before, const UserState& after);

// A device name: 1-64 bytes, no control characters, no leading or trailing space.
Status ValidateDeviceName(std::string_view name);
// 16 lower-case hex digits: a device id (and a recovery set id).
bool IsDeviceId(std::string_view id);
// A device's fields are within the limits the store and the OTP math accept.
Status ValidateDevice(const Device& device);
// The device called `name`, or nullptr.
const Device* FindDeviceByName(const std::vector<Device>& devices, std::string_view name);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_DEVICE_H_
