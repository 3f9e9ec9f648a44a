// What the store holds: a user's enrolled devices (secret, rarely written) and the login
// state (written on every attempt), kept in separate records so a login never rewrites a secret.
#ifndef PAMTOTP_CORE_DEVICE_H_
#define PAMTOTP_CORE_DEVICE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/otp.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

inline constexpr size_t kMaxDevices = 32;
inline constexpr size_t kMaxDeviceNameLength = 64;

struct Device {
  std::string id;    // 16 hex characters; the state refers to devices by id, not name
  std::string name;  // unique per user, e.g. "My iPhone"
  SecretBytes secret;
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
  int digits = 6;
  int period = 30;      // seconds per step
  int64_t created = 0;  // unix seconds

  Device Clone() const {
    return Device{id, name, secret.Clone(), algorithm, digits, period, created};
  }
};

struct DeviceState {
  std::string id;
  uint64_t last_step = 0;  // highest time step ever accepted on this device; 0 = never used
  int64_t last_used = 0;   // unix seconds of that acceptance
};

struct UserState {
  std::vector<DeviceState> devices;
  uint32_t failures = 0;     // consecutive failed attempts since the last success
  int64_t last_failure = 0;  // unix seconds

  DeviceState* Find(std::string_view id);
  const DeviceState* Find(std::string_view id) const;
};

// A device name: 1-64 bytes, no control characters, no leading or trailing space.
Status ValidateDeviceName(std::string_view name);
// A device's fields are within the limits the store and the OTP math accept.
Status ValidateDevice(const Device& device);
// The device called `name`, or nullptr.
const Device* FindDeviceByName(const std::vector<Device>& devices, std::string_view name);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_DEVICE_H_
