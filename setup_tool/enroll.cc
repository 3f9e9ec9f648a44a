// totpctl enroll: new key -> shown to the user -> code typed back -> saved -> code marked used.
// Nothing is written before the typed code matches, so stopping at any point (Ctrl-C, end of
// input, a wrong code) leaves the store as it was.
#include <unistd.h>

#include <ctime>
#include <string>

#include "core/random.h"
#include "core/verifier.h"
#include "setup_tool/commands.h"
#include "setup_tool/confirm.h"
#include "setup_tool/policy.h"
#include "setup_tool/qr.h"
#include "setup_tool/self_service.h"
#include "setup_tool/show_qr.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

std::string NameTakenMessage(const std::string& name, const std::string& user) {
  return "a device named '" + name + "' already exists for " + user +
         "; pick another --name or remove it first";
}

std::string TooManyMessage(const std::string& user, size_t most) {
  return user + " already has " + std::to_string(most) +
         " devices, the most allowed; remove one first";
}

// "device", then "device-2", "device-3"...: the first that is free.
std::string FirstFreeName(const std::vector<Device>& devices) {
  std::string name = "device";
  for (size_t n = 2; FindDeviceByName(devices, name) != nullptr; ++n) {
    name = "device-" + std::to_string(n);
  }
  return name;
}

Result<Device> NewDevice(const Options& options, const std::string& name) {
  Device device;
  Result<SecretBytes> secret = GenerateSecret(options.algorithm);
  if (!secret.ok()) return secret.status();
  Result<std::string> id = GenerateDeviceId();
  if (!id.ok()) return id.status();
  device.id = std::move(id).value();
  device.name = name;
  device.secret = std::move(secret).value();
  device.algorithm = options.algorithm;
  device.digits = options.digits;
  device.period = options.period;
  device.created = std::time(nullptr);
  return device;
}

// APPS.md section 4, rules 3-5: settings some apps accept and then silently ignore.
void PrintWarnings(const Device& device, bool confirm) {
  const std::string tail = confirm ? "; the code you type next shows whether your app got it right"
                                   : "; check a code from your app before relying on this device";
  if (device.algorithm != HashAlgorithm::kSha1) {
    const std::string name(AlgorithmName(device.algorithm));
    WriteErr(
        "Warning: Microsoft Authenticator, Authy and Google Authenticator for Android "
        "before late 2023 ignore " +
        name + " and show wrong codes" + tail +
        ". Google Authenticator for iOS reportedly refuses keys this long.\n");
  }
  if (device.digits != 6) {
    WriteErr(
        "Warning: Microsoft Authenticator and Google Authenticator for Android before "
        "mid-2023 ignore digits=" +
        std::to_string(device.digits) + " and show 6-digit codes" + tail + ".\n");
  }
  if (device.period != 30) {
    WriteErr(
        "Warning: Google Authenticator for Android, Microsoft Authenticator and Authy "
        "ignore period=" +
        std::to_string(device.period) + " and show a new code every 30 seconds" + tail + ".\n");
  }
}

// Adds the device under the store's lock, checking the name and the count again: another
// totpctl may have added devices since we looked.
Status SaveDevice(Store& store, const std::string& user, const Device& device, size_t most) {
  return store.EditDevices(user, [&](pamtotp::Enrollment& enrollment) {
    std::vector<Device>& devices = enrollment.devices;
    if (FindDeviceByName(devices, device.name) != nullptr) {
      return Status::AlreadyExists(NameTakenMessage(device.name, user));
    }
    if (devices.size() >= most) return Status::InvalidArgument(TooManyMessage(user, most));
    for (const Device& d : devices) {
      if (d.id == device.id) return Status::Internal("device id collision; run totpctl again");
    }
    devices.push_back(device.Clone());
    return Status::Ok();
  });
}

// Records the confirmed code as used, so the code typed during enrollment (perhaps seen by
// someone nearby) cannot also log in.
int MarkCodeUsed(Context& context, const Device& device, const Confirmation& confirmation) {
  Status s =
      MarkCodeUsed(*context.store, context.user, device.id, confirmation.code, confirmation.at, 1);
  if (!s.ok()) {
    return Fail(kExitFailed, "device '" + device.name +
                                 "' was saved, but the code you typed could not be marked as "
                                 "used: " +
                                 s.message());
  }
  return kExitOk;
}

// Everything before the key is shown: checks the name and the device count, picks the
// issuer, makes the key and the URI. Returns an exit status.
int PrepareEnrollment(const Options& options, Context& context, Device& device, DeviceCard& card) {
  Result<pamtotp::Enrollment> enrolled = context.store->ReadDevices(context.user);
  if (!enrolled.ok()) return StoreFailure(enrolled.status());
  const std::vector<Device>& devices = enrolled->devices;
  const std::string name = options.name ? *options.name : FirstFreeName(devices);
  if (FindDeviceByName(devices, name) != nullptr) {
    return Fail(kExitFailed, NameTakenMessage(name, context.user));
  }
  if (int exit = CheckNewDevice(context, OtpType::kTotp, options.algorithm, options.digits,
                                options.period, devices.size());
      exit != kExitOk) {
    return exit;
  }
  std::string issuer;
  if (int exit = ChooseUriIssuer(options, context.config, issuer); exit != kExitOk) return exit;
  Result<Device> made = NewDevice(options, name);
  if (!made.ok()) return Fail(kExitFailed, made.status().message());
  device = std::move(made).value();
  Result<DeviceCard> made_card =
      MakeDeviceCard(device, context.user, issuer, 0, options.label.value_or(""));
  if (!made_card.ok()) return Fail(kExitFailed, made_card.status().message());
  card = std::move(made_card).value();
  return kExitOk;
}

}  // namespace

int RunEnroll(const Options& options, Context& context) {
  Device device;
  DeviceCard card;
  if (int exit = PrepareEnrollment(options, context, device, card); exit != kExitOk) return exit;
  Status shown =
      options.json ? ShowCardJson(device, card, options) : ShowCardText(device, card, options);
  if (!shown.ok()) return Fail(kExitFailed, shown.message() + "; nothing was saved");
  PrintWarnings(device, options.confirm);

  std::optional<Confirmation> confirmation;
  if (options.confirm) {
    confirmation = AskForCode(device);
    if (!confirmation) {
      if (options.qr_file) unlink(options.qr_file->c_str());  // ours: created with O_EXCL
      return Fail(kExitNotConfirmed, "enrollment cancelled; nothing was saved");
    }
  }
  if (context.via_helper) {  // self_service.h: the helper saves it and marks the code used
    int exit = SelfServiceEnroll(context, device, confirmation ? &confirmation->code : nullptr);
    if (exit != kExitOk) return exit;
  } else if (Status s = SaveDevice(*context.store, context.user, device,
                                   static_cast<size_t>(context.config.max_devices));
             !s.ok()) {
    return StoreFailure(s);
  }
  if (confirmation && !context.via_helper) {
    if (int exit = MarkCodeUsed(context, device, *confirmation); exit != kExitOk) return exit;
  }
  const std::string who = "device '" + device.name + "' for " + context.user;
  const std::string done = confirmation
                               ? "Enrolled " + who + ".\n"
                               : "Saved " + who + " without checking a code from the app.\n";
  if (options.json) {
    WriteErr(done);
  } else if (Status s = WriteOut(done); !s.ok()) {
    return Fail(kExitFailed, s.message());
  }
  return kExitOk;
}

}  // namespace pamtotp::totpctl
