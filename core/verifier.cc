#include "core/verifier.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/otp.h"
#include "core/recovery.h"
#include "core/store_format.h"

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

int64_t BackoffSeconds(uint32_t failures) {
  if (failures < kBackoffAfter) return 0;
  uint32_t doublings = std::min<uint32_t>(failures - kBackoffAfter, 6);
  return std::min<int64_t>(int64_t{1} << doublings, kMaxBackoff);
}

namespace {

// time + seconds without overflow: a failure time at the end of time stays there, so a damaged
// or hostile state file cannot wrap a lockout into the past.
int64_t AddSaturating(int64_t time, int64_t seconds) {
  return time > INT64_MAX - seconds ? INT64_MAX : time + seconds;
}

}  // namespace

namespace {

// What comparing one code with every candidate of every device found.
struct Matches {
  struct Hit {
    size_t device = 0;
    uint64_t counter = 0;  // time step or HOTP counter
    int64_t offset = 0;
  };
  std::optional<Hit> fresh, replayed, resync, drift;
  std::optional<Hit> before_boot;  // fresh, but a login before the boot may have used it
};

// One device's key, ready to compute codes.
struct Candidate {
  const Device& device;
  HotpGenerator generator;
};

Result<Candidate> Prepare(const Device& device) {
  Result<HotpGenerator> generator =
      HotpGenerator::Create(device.secret, device.algorithm, device.digits);
  if (!generator.ok()) return generator.status();
  return Candidate{device, std::move(generator).value()};
}

Status Compare(Candidate& candidate, uint64_t counter, const SecretBytes& code, bool& equal) {
  Result<uint32_t> value = candidate.generator.At(counter);
  if (!value.ok()) return value.status();
  SecretBytes expected = FormatCode(*value, candidate.device.digits);
  equal = ConstantTimeEquals(expected.view(), code.view());
  return Status::Ok();
}

void Keep(std::optional<Matches::Hit>& slot, Matches::Hit hit) {
  if (!slot) slot = hit;
}

// The last step of `period` that a login before `clock.boot_time` could have used (with
// +-window), or nullopt if the boot time is unknown (0).
std::optional<uint64_t> LastStepBeforeBoot(const Clock& clock, int period, int window) {
  if (clock.boot_time <= 0) return std::nullopt;
  return static_cast<uint64_t>(clock.boot_time) / static_cast<uint64_t>(period) +
         static_cast<uint64_t>(window);
}

Status MatchTotp(size_t index, Candidate& candidate, const DeviceState* used,
                 const SecretBytes& code, const Clock& clock, int window, Matches& m) {
  const Device& device = candidate.device;
  Result<uint64_t> current = TimeStep(clock.now, device.period);
  if (!current.ok()) return current.status();
  const std::optional<uint64_t> before_boot = LastStepBeforeBoot(clock, device.period, window);
  for (int64_t offset = -window; offset <= window; ++offset) {
    if (offset < 0 && *current < static_cast<uint64_t>(-offset)) continue;
    uint64_t step = *current + static_cast<uint64_t>(offset);
    bool equal = false;
    if (Status s = Compare(candidate, step, code, equal); !s.ok()) return s;
    if (!equal) continue;
    if (used != nullptr && step <= used->last_step) {
      Keep(m.replayed, {index, step, offset});
    } else if (before_boot && step <= *before_boot) {
      Keep(m.before_boot, {index, step, offset});
    } else {
      Keep(m.fresh, {index, step, offset});
    }
  }
  return Status::Ok();
}

// Only for a code that matched nothing: is it right for a step further away?
Status FindDrift(size_t index, Candidate& candidate, const SecretBytes& code, int64_t now,
                 int window, Matches& m) {
  Result<uint64_t> current = TimeStep(now, candidate.device.period);
  if (!current.ok()) return current.status();
  for (int64_t distance = window + 1; distance <= kDriftSteps; ++distance) {
    for (int64_t offset : {-distance, distance}) {
      if (offset < 0 && *current < static_cast<uint64_t>(-offset)) continue;
      bool equal = false;
      uint64_t step = *current + static_cast<uint64_t>(offset);
      if (Status s = Compare(candidate, step, code, equal); !s.ok()) return s;
      if (equal) Keep(m.drift, {index, step, offset});
    }
  }
  return Status::Ok();
}

Status MatchHotp(size_t index, Candidate& candidate, const DeviceState* used,
                 const UserState& state, const SecretBytes& code, int64_t now, int hotp_window,
                 Matches& m) {
  const Device& device = candidate.device;
  uint64_t next = used != nullptr ? std::max(used->last_step + 1, device.counter) : device.counter;
  uint64_t end = next + static_cast<uint64_t>(hotp_window) + kHotpResyncRange;
  if (state.resync && state.resync->device_id == device.id) {
    end = std::max(end, state.resync->counter + 2);  // the code that completes a resync
  }
  for (uint64_t counter = next; counter < end; ++counter) {
    bool equal = false;
    if (Status s = Compare(candidate, counter, code, equal); !s.ok()) return s;
    if (!equal) continue;
    int64_t ahead = static_cast<int64_t>(counter - next);
    bool resync_done = state.resync && state.resync->device_id == device.id &&
                       now - state.resync->seen <= kResyncSeconds &&
                       counter == state.resync->counter + 1;
    if (ahead < hotp_window || resync_done) {
      Keep(m.fresh, {index, counter, ahead});
    } else {
      Keep(m.resync, {index, counter, ahead});
    }
  }
  // Codes just below the window are replays of counters already used.
  for (uint64_t back = 1; back <= static_cast<uint64_t>(hotp_window) && back <= next; ++back) {
    bool equal = false;
    if (Status s = Compare(candidate, next - back, code, equal); !s.ok()) return s;
    if (equal && used != nullptr)
      Keep(m.replayed, {index, next - back, -static_cast<int64_t>(back)});
  }
  return Status::Ok();
}

void RecordFailure(UserState& state, int64_t now, Outcome& outcome) {
  ++state.failures;
  state.last_failure = now;
  outcome.failures = state.failures;
}

void Accept(const Device& device, const Matches::Hit& hit, int64_t now, UserState& state,
            Outcome& outcome) {
  DeviceState* entry = state.Find(device.id);
  if (entry == nullptr) {
    state.devices.push_back(DeviceState{device.id, 0, 0});
    entry = &state.devices.back();
  }
  entry->last_step = hit.counter;
  entry->last_used = now;
  state.failures = 0;
  outcome.failures = 0;
  if (state.resync && state.resync->device_id == device.id) state.resync.reset();
  outcome.verdict = Verdict::kAccepted;
  outcome.device_name = device.name;
  outcome.offset = hit.offset;
}

Result<bool> TryRecoveryCode(const RecoverySet& set, UserState& state, const SecretBytes& code,
                             int64_t now, Outcome& outcome);

Status CheckCode(const Enrollment& enrollment, UserState& state, const SecretBytes& code,
                 const Clock& clock, const Config& config, Outcome& outcome) {
  const int64_t now = clock.now;
  Matches m;
  const std::vector<Device>& devices = enrollment.devices;
  std::vector<Candidate> candidates;
  candidates.reserve(devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    Result<Candidate> candidate = Prepare(devices[i]);
    if (!candidate.ok()) return candidate.status();
    candidates.push_back(std::move(candidate).value());
    const DeviceState* used = state.Find(devices[i].id);
    Status s = devices[i].type == OtpType::kTotp
                   ? MatchTotp(i, candidates[i], used, code, clock, config.window, m)
                   : MatchHotp(i, candidates[i], used, state, code, now, config.hotp_window, m);
    if (!s.ok()) return s;
  }
  if (m.fresh) {
    Accept(devices[m.fresh->device], *m.fresh, now, state, outcome);
    return Status::Ok();
  }
  if (m.before_boot && !m.replayed) {
    // Not a failure: the code was right, but the record of its use may have died in a crash.
    outcome.verdict = Verdict::kBeforeBoot;
    outcome.device_name = devices[m.before_boot->device].name;
    outcome.offset = m.before_boot->offset;
    outcome.failures = state.failures;
    return Status::Ok();
  }
  // 8 digits that no device knows may be an imported google-authenticator scratch code.
  if (!m.replayed && !m.resync && enrollment.recovery && IsScratchCode(code)) {
    Result<bool> decided = TryRecoveryCode(*enrollment.recovery, state, code, now, outcome);
    if (!decided.ok()) return decided.status();
    if (*decided) return Status::Ok();
  }
  RecordFailure(state, now, outcome);
  if (m.replayed) {
    outcome.verdict = Verdict::kReplayed;
    outcome.device_name = devices[m.replayed->device].name;
    outcome.offset = m.replayed->offset;
  } else if (m.resync) {
    outcome.verdict = Verdict::kResyncNeeded;
    outcome.device_name = devices[m.resync->device].name;
    outcome.offset = m.resync->offset;
    state.resync = PendingResync{devices[m.resync->device].id, m.resync->counter, now};
  } else {
    outcome.verdict = Verdict::kWrongCode;
    for (size_t i = 0; i < devices.size(); ++i) {
      if (devices[i].type != OtpType::kTotp) continue;
      if (Status s = FindDrift(i, candidates[i], code, now, config.window, m); !s.ok()) return s;
    }
    if (m.drift) {
      outcome.drift = m.drift->offset;
      outcome.device_name = devices[m.drift->device].name;
    }
  }
  return Status::Ok();
}

// For a user with no devices: the work of checking `input` against one TOTP device, with a
// key nobody has, and of reading and writing its state, so that the time a login takes does
// not tell who is enrolled. The results are thrown away.
void CheckAgainstDecoy(std::string_view input, const Clock& clock, const Config& config) {
  Result<SecretBytes> code = NormalizeCode(input);
  if (!code.ok()) return;
  Enrollment decoy;
  decoy.devices.push_back(Device{});
  decoy.devices.back().secret = SecretBytes(RecommendedKeyBytes(HashAlgorithm::kSha1));
  UserState state;
  Outcome ignored;
  (void)CheckCode(decoy, state, *code, clock, config, ignored);
  // And what a store does around it for an enrolled user: read both state slots, write one.
  Result<std::string> slot = SerializeStateSlot(state, 1);
  if (slot.ok()) (void)ParseStateFile(*slot + *slot);
}

// Spends `code` if it is an unused code of `set`. Returns true if that decided the attempt:
// accepted, or replayed (a failure). False: no code of the set matched; nothing was recorded.
Result<bool> TryRecoveryCode(const RecoverySet& set, UserState& state, const SecretBytes& code,
                             int64_t now, Outcome& outcome) {
  if (state.recovery_id != set.id) {  // a new set: the old marks do not apply
    state.recovery_id = set.id;
    state.recovery_used = 0;
  }
  Result<std::optional<size_t>> index = MatchRecoveryCode(set, code);
  if (!index.ok()) return index.status();
  if (!*index) return false;
  outcome.device_name = "recovery code";
  if ((state.recovery_used & (1u << **index)) == 0) {
    state.recovery_used |= 1u << **index;
    state.failures = 0;
    outcome.failures = 0;
    outcome.verdict = Verdict::kRecoveryAccepted;
    outcome.recovery_left =
        set.hashes.size() - static_cast<size_t>(__builtin_popcount(state.recovery_used));
    return true;
  }
  RecordFailure(state, now, outcome);
  outcome.verdict = Verdict::kReplayed;
  return true;
}

Status CheckRecoveryCode(const RecoverySet& set, UserState& state, const SecretBytes& code,
                         int64_t now, Outcome& outcome) {
  Result<bool> decided = TryRecoveryCode(set, state, code, now, outcome);
  if (!decided.ok()) return decided.status();
  if (*decided) return Status::Ok();
  outcome.device_name = "recovery code";
  RecordFailure(state, now, outcome);
  outcome.verdict = Verdict::kWrongCode;
  return Status::Ok();
}

// Locked out, or too soon after the last failure? Sets the verdict and returns true if so.
bool Throttled(const UserState& state, int64_t now, const Config& config, Outcome& outcome) {
  outcome.failures = state.failures;
  if (IsLockedOut(state, now, config, outcome.retry_at)) {
    outcome.verdict = Verdict::kLocked;
    return true;
  }
  if (state.failures >= static_cast<uint32_t>(config.max_failures)) {
    return false;  // the lockout has run out; this attempt is checked
  }
  // No backoff, no wait: with few failures even a clock stepped back is checked at once.
  int64_t backoff = BackoffSeconds(state.failures);
  int64_t allowed = AddSaturating(state.last_failure, backoff);
  if (backoff > 0 && now < allowed) {
    outcome.verdict = Verdict::kThrottled;
    outcome.retry_at = allowed;
    return true;
  }
  return false;
}

}  // namespace

bool IsLockedOut(const UserState& state, int64_t now, const Config& config, int64_t& until) {
  if (state.failures < static_cast<uint32_t>(config.max_failures)) return false;
  until = config.lockout_time == 0 ? 0 : AddSaturating(state.last_failure, config.lockout_time);
  return config.lockout_time == 0 || now < until;
}

Result<Outcome> VerifyInput(Store& store, std::string_view user, std::string_view input,
                            const Clock& clock, const Config& config) {
  const int64_t now = clock.now;
  Outcome outcome;
  Status status = store.UpdateState(user, [&](const Enrollment& enrollment, UserState& state) {
    outcome = Outcome();  // a store may run this again after another host changed the state
    if (enrollment.devices.empty()) {
      CheckAgainstDecoy(input, clock, config);
      outcome.verdict = Verdict::kNoDevices;
      return Status::Ok();
    }
    if (Throttled(state, now, config, outcome)) return Status::Ok();
    Result<SecretBytes> code = NormalizeCode(input);
    if (code.ok()) return CheckCode(enrollment, state, *code, clock, config, outcome);
    Result<SecretBytes> recovery = NormalizeRecoveryCode(input);
    if (recovery.ok() && enrollment.recovery) {
      return CheckRecoveryCode(*enrollment.recovery, state, *recovery, now, outcome);
    }
    RecordFailure(state, now, outcome);
    outcome.verdict = Verdict::kMalformed;
    outcome.detail = code.status().message();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return outcome;
}

Result<bool> IsCurrentCode(const Device& device, const SecretBytes& code, int64_t now, int window) {
  if (device.type != OtpType::kTotp) return Status::InvalidArgument("not a TOTP device");
  Result<Candidate> candidate = Prepare(device);
  if (!candidate.ok()) return candidate.status();
  Matches m;
  const Clock clock{now, 0};  // a new device: nothing it did before a boot is recorded
  if (Status s = MatchTotp(0, *candidate, nullptr, code, clock, window, m); !s.ok()) return s;
  return m.fresh.has_value();
}

Status MarkCodeUsed(Store& store, std::string_view user, std::string_view device_id,
                    const SecretBytes& code, int64_t now, int window) {
  return store.UpdateState(user, [&](const Enrollment& enrollment, UserState& state) {
    for (size_t i = 0; i < enrollment.devices.size(); ++i) {
      const Device& device = enrollment.devices[i];
      if (device.id != device_id || device.type != OtpType::kTotp) continue;
      Result<Candidate> candidate = Prepare(device);
      if (!candidate.ok()) return candidate.status();
      Matches m;
      const Clock clock{now, 0};  // marking a step used needs no boot rule
      if (Status s = MatchTotp(i, *candidate, state.Find(device.id), code, clock, window, m);
          !s.ok()) {
        return s;
      }
      if (!m.fresh) return Status::NotFound("the code is not the device's current code");
      Outcome ignored;
      uint32_t failures = state.failures;
      Accept(device, *m.fresh, now, state, ignored);
      state.failures = failures;
      return Status::Ok();
    }
    return Status::NotFound("no such device");
  });
}

Clock SystemClock() {
  timespec wall{};
  timespec up{};
  clock_gettime(CLOCK_REALTIME, &wall);
  clock_gettime(CLOCK_BOOTTIME, &up);
  // Whole seconds of each: the boot time comes out up to a second late, which refuses more.
  return Clock{wall.tv_sec, wall.tv_sec - up.tv_sec};
}

Status ResetFailures(Store& store, std::string_view user) {
  return store.UpdateState(user, [](const Enrollment&, UserState& state) {
    state.failures = 0;
    state.last_failure = 0;
    return Status::Ok();
  });
}

}  // namespace pamtotp
