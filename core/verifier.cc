#include "core/verifier.h"

#include <optional>

#include "core/otp.h"

namespace pamtotp {

Result<SecretBytes> NormalizeCode(std::string_view input) {
  if (input.size() > kMaxCodeInput) return Status::InvalidArgument("the code is too long");
  SecretBytes digits;
  for (char c : input) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return Status::InvalidArgument("the code must be digits only");
    if (digits.size() == static_cast<size_t>(kMaxDigits)) {
      return Status::InvalidArgument("the code has more than 8 digits");
    }
    digits.push_back(c);
  }
  if (digits.size() < static_cast<size_t>(kMinDigits)) {
    return Status::InvalidArgument("the code has fewer than 6 digits");
  }
  return digits;
}

namespace {

struct Match {
  size_t device = 0;
  uint64_t step = 0;
  int offset = 0;
};

// Compares `code` with every step in the window of every device, without stopping early.
Status FindMatches(const std::vector<Device>& devices, const UserState& state,
                   const SecretBytes& code, int64_t now, int window, std::optional<Match>& fresh,
                   std::optional<Match>& replayed) {
  for (size_t i = 0; i < devices.size(); ++i) {
    const Device& device = devices[i];
    Result<uint64_t> current = TimeStep(now, device.period);
    if (!current.ok()) return current.status();
    const DeviceState* used = state.Find(device.id);
    uint64_t last_step = used != nullptr ? used->last_step : 0;
    for (int offset = -window; offset <= window; ++offset) {
      if (offset < 0 && *current < static_cast<uint64_t>(-offset)) continue;
      uint64_t step = *current + static_cast<uint64_t>(static_cast<int64_t>(offset));
      Result<uint32_t> value = Hotp(device.secret, step, device.algorithm, device.digits);
      if (!value.ok()) return value.status();
      SecretBytes expected = FormatCode(*value, device.digits);
      if (!ConstantTimeEquals(expected.view(), code.view())) continue;
      bool is_fresh = used == nullptr || step > last_step;
      std::optional<Match>& slot = is_fresh ? fresh : replayed;
      if (!slot) slot = Match{i, step, offset};
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Outcome> VerifyCode(Store& store, std::string_view user, const SecretBytes& code,
                           int64_t now, int window) {
  Outcome outcome;
  Status status =
      store.UpdateState(user, [&](const std::vector<Device>& devices, UserState& state) {
        if (devices.empty()) {
          outcome.verdict = Verdict::kNoDevices;
          return Status::Ok();
        }
        std::optional<Match> fresh, replayed;
        if (Status s = FindMatches(devices, state, code, now, window, fresh, replayed); !s.ok()) {
          return s;
        }
        if (fresh) {
          const Device& device = devices[fresh->device];
          DeviceState* entry = state.Find(device.id);
          if (entry == nullptr) {
            state.devices.push_back(DeviceState{device.id, 0, 0});
            entry = &state.devices.back();
          }
          entry->last_step = fresh->step;
          entry->last_used = now;
          state.failures = 0;
          outcome = Outcome{Verdict::kAccepted, device.name, fresh->offset, 0};
          return Status::Ok();
        }
        ++state.failures;
        state.last_failure = now;
        outcome.failures = state.failures;
        if (replayed) {
          outcome.verdict = Verdict::kReplayed;
          outcome.device_name = devices[replayed->device].name;
          outcome.offset = replayed->offset;
        }
        return Status::Ok();
      });
  if (!status.ok()) return status;
  return outcome;
}

Status RecordFailure(Store& store, std::string_view user, int64_t now) {
  return store.UpdateState(user, [&](const std::vector<Device>& devices, UserState& state) {
    if (devices.empty()) return Status::Ok();
    ++state.failures;
    state.last_failure = now;
    return Status::Ok();
  });
}

}  // namespace pamtotp
