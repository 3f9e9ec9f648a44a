#include "setup_tool/helper/serve.h"

#include <string_view>

#include "core/recovery.h"
#include "core/verifier.h"

namespace pamtotp::helper {
namespace {

// The request's time, with the system's boot time for the rule in verifier.h (Clock).
Clock WithBootTime(int64_t now) { return Clock{now, SystemClock().boot_time}; }

// The approval of a change by a user who has devices: a login's worth of checking.
Status Approve(const Message& request, const std::string& user, const Config& config, Store& store,
               int64_t now) {
  const SecretBytes* code = request.Get("code");
  if (code == nullptr) {
    return Status::PermissionDenied(
        "you have devices already: approve this with a current code from one of them, or with "
        "a recovery code");
  }
  Result<Outcome> outcome = VerifyInput(store, user, code->view(), WithBootTime(now), config);
  if (!outcome.ok()) return outcome.status();
  switch (outcome->verdict) {
    case Verdict::kAccepted:
    case Verdict::kRecoveryAccepted:
    case Verdict::kNoDevices:  // removed meanwhile: the change itself finds nothing to approve
      return Status::Ok();
    case Verdict::kLocked:
      return Status::PermissionDenied(
          "you are locked out after too many wrong codes; ask your administrator to run "
          "totpctl unlock");
    case Verdict::kThrottled:
      return Status::PermissionDenied("too soon after a wrong code; wait " +
                                      std::to_string(outcome->retry_at - now) +
                                      " seconds and try again");
    case Verdict::kReplayed:
      return Status::PermissionDenied(
          "the approval code was used already; wait for your app's next code");
    case Verdict::kBeforeBoot:
      return Status::PermissionDenied(
          "the system has just started and codes from before it are not accepted; wait for "
          "your app's next code");
    case Verdict::kWrongCode:
    case Verdict::kMalformed:
    case Verdict::kResyncNeeded:
      break;
  }
  const uint32_t n = outcome->failures;
  return Status::PermissionDenied("the approval code is wrong (" + std::to_string(n) +
                                  (n == 1 ? " failed attempt" : " failed attempts") +
                                  " in a row); nothing was changed");
}

const Device* FindOwn(const Enrollment& enrollment, const SecretBytes& name) {
  return FindDeviceByName(enrollment.devices, name.view());
}

Status NoSuchDevice(const SecretBytes& name) {
  return Status::NotFound("you have no device named '" + std::string(name.view()) +
                          "' (see totpctl list)");
}

Result<Message> StatusReply(const std::string& user, Store& store) {
  Enrollment enrollment;
  UserState state;
  if (auto s = store.ReadState(user, enrollment, state); !s.ok()) return s;
  Message reply;
  reply.Add("user", user);
  for (const Device& d : enrollment.devices) {
    const DeviceState* used = state.Find(d.id);
    reply.Add("device", DeviceSummary(d, used != nullptr ? used->last_used : 0));
  }
  reply.Add("failures", std::to_string(state.failures));
  reply.Add("last_failure", std::to_string(state.last_failure));
  if (enrollment.recovery) {
    const RecoverySet& set = *enrollment.recovery;
    reply.Add("recovery_set",
              set.id + " " + std::to_string(set.created) + " " + std::to_string(set.hashes.size()));
  }
  if (!state.recovery_id.empty()) {
    reply.Add("recovery_used", state.recovery_id + " " + std::to_string(state.recovery_used));
  }
  return reply;
}

Result<Message> Verify(const Message& request, const std::string& user, const Config& config,
                       Store& store, int64_t now, std::string& summary) {
  Result<Outcome> outcome =
      VerifyInput(store, user, request.Get("code")->view(), WithBootTime(now), config);
  if (!outcome.ok()) return outcome.status();
  Message reply;
  AddOutcome(*outcome, reply);
  summary = "verify: " + std::string(reply.Get("verdict")->view());
  return reply;
}

Result<Message> Rename(const Message& request, const std::string& user, Store& store) {
  const SecretBytes& name = *request.Get("name");
  const std::string new_name(request.Get("new_name")->view());
  if (auto s = ValidateDeviceName(new_name); !s.ok()) return s.WithContext("the new name");
  auto s = store.EditDevices(user, [&](Enrollment& e) {
    if (FindDeviceByName(e.devices, new_name) != nullptr) {
      return Status::AlreadyExists("you have a device named '" + new_name + "' already");
    }
    for (Device& d : e.devices) {
      if (d.name == name.view()) {
        d.name = new_name;
        return Status::Ok();
      }
    }
    return NoSuchDevice(name);
  });
  if (!s.ok()) return s;
  return Message{};
}

Result<Message> Remove(const Message& request, const std::string& user, const Config& config,
                       Store& store, int64_t now) {
  if (auto s = CheckSelfAction(config, SelfAction::kRemove); !s.ok()) return s;
  const SecretBytes& name = *request.Get("name");
  Result<Enrollment> enrollment = store.ReadDevices(user);
  if (!enrollment.ok()) return enrollment.status();
  if (FindOwn(*enrollment, name) == nullptr) return NoSuchDevice(name);
  if (auto s = Approve(request, user, config, store, now); !s.ok()) return s;
  auto s = store.EditDevices(user, [&](Enrollment& e) {
    for (auto it = e.devices.begin(); it != e.devices.end(); ++it) {
      if (it->name == name.view()) {
        e.devices.erase(it);
        return Status::Ok();
      }
    }
    return NoSuchDevice(name);
  });
  if (!s.ok()) return s;
  return Message{};
}

Result<Message> Show(const Message& request, const std::string& user, const Config& config,
                     Store& store, int64_t now) {
  if (auto s = CheckSelfAction(config, SelfAction::kShow); !s.ok()) return s;
  const SecretBytes& name = *request.Get("name");
  Result<Enrollment> enrollment = store.ReadDevices(user);
  if (!enrollment.ok()) return enrollment.status();
  const Device* device = FindOwn(*enrollment, name);
  if (device == nullptr) return NoSuchDevice(name);
  if (auto s = Approve(request, user, config, store, now); !s.ok()) return s;
  Result<SecretBytes> line = DeviceLine(*device);
  if (!line.ok()) return line.status();
  Message reply;
  reply.Add("device", std::move(line).value());
  return reply;
}

Result<Message> MakeRecoveryCodes(const Message& request, const std::string& user,
                                  const Config& config, Store& store, int64_t now) {
  if (auto s = CheckSelfAction(config, SelfAction::kEnroll); !s.ok()) return s;
  Result<int64_t> count =
      ParseNumber(request.Get("count")->view(), 1, static_cast<int64_t>(kMaxRecoveryCodes));
  if (!count.ok()) return count.status();
  Result<Enrollment> enrollment = store.ReadDevices(user);
  if (!enrollment.ok()) return enrollment.status();
  if (enrollment->devices.empty()) {
    return Status::InvalidArgument("enroll a device first: recovery codes stand in for one");
  }
  if (auto s = Approve(request, user, config, store, now); !s.ok()) return s;
  Result<NewRecoveryCodes> made = GenerateRecoveryCodes(static_cast<size_t>(*count), now);
  if (!made.ok()) return made.status();
  auto s = store.EditDevices(user, [&](Enrollment& e) {
    if (e.devices.empty()) return Status::NotFound("your devices were removed meanwhile");
    e.recovery = std::move(made->set);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  Message reply;
  for (SecretBytes& code : made->codes) reply.Add("code", std::move(code));
  return reply;
}

}  // namespace

namespace {

// The device of an "enroll" request, parsed by the store's own parser, checked against the
// policy, with the helper's time as its creation time.
Result<Device> RequestedDevice(const Message& request, const Config& config, int64_t now) {
  Result<Device> parsed = ParseDeviceLine(request.Get("device")->view());
  if (!parsed.ok()) return parsed.status().WithContext("the new device");
  Device device = std::move(parsed).value();
  if (device.secret.size() < kMinKeyBytes) {
    return Status::InvalidArgument("the key is shorter than 128 bits");
  }
  if (auto s =
          CheckDeviceSettings(config, device.type, device.algorithm, device.digits, device.period);
      !s.ok()) {
    return s;
  }
  device.created = now;
  return device;
}

// The confirmation code must be the new device's current code (one step either side).
Status CheckConfirmation(const Message& request, const Device& device, int64_t now) {
  const SecretBytes* confirm = request.Get("confirm");
  if (confirm == nullptr) return Status::Ok();
  if (device.type != OtpType::kTotp) {
    return Status::InvalidArgument("only a time-based device is confirmed with a code");
  }
  Result<SecretBytes> code = NormalizeCode(confirm->view());
  if (!code.ok()) return code.status().WithContext("the confirmation code");
  Result<bool> current = IsCurrentCode(device, *code, now, 1);
  if (!current.ok()) return current.status();
  if (!*current) {
    return Status::PermissionDenied(
        "the code does not match the new device (did it expire?); nothing was saved");
  }
  return Status::Ok();
}

Status CheckRoom(const std::vector<Device>& devices, const Device& device, const Config& config) {
  if (devices.size() >= static_cast<size_t>(config.max_devices)) {
    return Status::PermissionDenied("you have " + std::to_string(devices.size()) +
                                    " devices, the most allowed (max_devices in " +
                                    std::string(kDefaultConfigPath) + "); remove one first");
  }
  if (FindDeviceByName(devices, device.name) != nullptr) {
    return Status::AlreadyExists("you have a device named '" + device.name +
                                 "' already; pick another --name");
  }
  for (const Device& d : devices) {
    if (d.id == device.id) return Status::AlreadyExists("device id collision; run totpctl again");
  }
  return Status::Ok();
}

Result<Message> Enroll(const Message& request, const std::string& user, const Config& config,
                       Store& store, int64_t now, std::string& summary) {
  if (auto s = CheckSelfAction(config, SelfAction::kEnroll); !s.ok()) return s;
  Result<Device> device = RequestedDevice(request, config, now);
  if (!device.ok()) return device.status();
  if (auto s = CheckConfirmation(request, *device, now); !s.ok()) return s;
  Result<Enrollment> enrollment = store.ReadDevices(user);
  if (!enrollment.ok()) return enrollment.status();
  if (auto s = CheckRoom(enrollment->devices, *device, config); !s.ok()) return s;
  if (!enrollment->devices.empty()) {
    if (auto s = Approve(request, user, config, store, now); !s.ok()) return s;
  }
  auto saved = store.EditDevices(user, [&](Enrollment& e) {
    if (auto s = CheckRoom(e.devices, *device, config); !s.ok()) return s;
    e.devices.push_back(device->Clone());
    return Status::Ok();
  });
  if (!saved.ok()) return saved;
  summary = "enrolled device '" + device->name + "'";
  if (const SecretBytes* confirm = request.Get("confirm")) {
    Result<SecretBytes> code = NormalizeCode(confirm->view());
    auto s = code.ok() ? MarkCodeUsed(store, user, device->id, *code, now, 1) : code.status();
    if (!s.ok()) {
      return s.WithContext(
          "the device was saved, but its confirmation code could not be marked "
          "used");
    }
  }
  return Message{};
}

Result<Message> Dispatch(const Message& request, const std::string& user, const Config& config,
                         Store& store, int64_t now, std::string& summary) {
  const std::string& verb = request.verb;
  if (verb == "status") return StatusReply(user, store);
  if (verb == "verify") return Verify(request, user, config, store, now, summary);
  if (verb == "rename") return Rename(request, user, store);
  if (verb == "remove") return Remove(request, user, config, store, now);
  if (verb == "enroll") return Enroll(request, user, config, store, now, summary);
  if (verb == "show") return Show(request, user, config, store, now);
  if (verb == "recovery") return MakeRecoveryCodes(request, user, config, store, now);
  return Status::InvalidArgument("unknown verb '" + verb + "'");
}

}  // namespace

Message Serve(const Message& request, const std::string& user, const Config& config, Store& store,
              int64_t now, std::string& summary) {
  summary = request.verb;
  if (const SecretBytes* name = request.Get("name")) {
    summary += " device '" + std::string(name->view()) + "'";
  }
  Result<Message> reply = Dispatch(request, user, config, store, now, summary);
  if (!reply.ok()) {
    summary += ": refused: " + reply.status().message();
    Message error;
    error.verb = "error";
    error.error = reply.status().message();
    return error;
  }
  reply->verb = "ok";
  return std::move(reply).value();
}

}  // namespace pamtotp::helper
