#include "core/device.h"

#include <cctype>

namespace pamtotp {

Enrollment Enrollment::Clone() const {
  Enrollment out;
  for (const Device& d : devices) out.devices.push_back(d.Clone());
  out.recovery = recovery;
  return out;
}

DeviceState* UserState::Find(std::string_view id) {
  for (DeviceState& d : devices) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const DeviceState* UserState::Find(std::string_view id) const {
  for (const DeviceState& d : devices) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

bool NeedsSync(const Enrollment& enrollment, const UserState& before, const UserState& after) {
  if (after.recovery_used != before.recovery_used || after.recovery_id != before.recovery_id) {
    return true;
  }
  for (const Device& device : enrollment.devices) {
    if (device.type != OtpType::kHotp) continue;
    const DeviceState* was = before.Find(device.id);
    const DeviceState* now = after.Find(device.id);
    if (now != nullptr && (was == nullptr || was->last_step != now->last_step)) return true;
  }
  return false;
}

Status ValidateDeviceName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("the device name is empty");
  if (name.size() > kMaxDeviceNameLength) {
    return Status::InvalidArgument("the device name is longer than 64 bytes");
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument("the device name contains a control character");
    }
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return Status::InvalidArgument("the device name starts or ends with a space");
  }
  return Status::Ok();
}

bool IsDeviceId(std::string_view id) {
  if (id.size() != 16) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status ValidateDevice(const Device& device) {
  if (!IsDeviceId(device.id)) return Status::InvalidArgument("the device id is not 16 hex digits");
  if (Status s = ValidateDeviceName(device.name); !s.ok()) return s;
  if (device.secret.size() < 10) {
    return Status::InvalidArgument("the secret is shorter than 80 bits");
  }
  if (device.secret.size() > 128) return Status::InvalidArgument("the secret is over 1024 bits");
  if (device.digits < kMinDigits || device.digits > kMaxDigits) {
    return Status::InvalidArgument("digits must be 6, 7 or 8");
  }
  if (device.period < kMinPeriod || device.period > kMaxPeriod) {
    return Status::InvalidArgument("period must be between 1 and 3600 seconds");
  }
  if (device.created < 0) return Status::InvalidArgument("the creation time is negative");
  return Status::Ok();
}

const Device* FindDeviceByName(const std::vector<Device>& devices, std::string_view name) {
  for (const Device& d : devices) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace pamtotp
