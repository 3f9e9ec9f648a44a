// What a person types at the prompt: NormalizeCode, NormalizeRecoveryCode, and VerifyInput
// against an in-memory store holding two TOTP devices, an HOTP device and recovery codes, at a
// fixed time. The first byte sets the scene (see Scene); with its top bit set, '#', '&', '$'
// and '@' in the text stand for the right code of each device and a recovery code, so the
// fuzzer can dress right codes up too. Properties: a code is accepted only if an independent
// computation agrees it is right and fresh, never twice; refusals count as failures exactly
// when they should; every state the verifier leaves can be written and read back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/otp.h"
#include "core/recovery.h"
#include "core/store.h"
#include "core/store_format.h"
#include "core/verifier.h"
#include "fuzz/fuzz_check.h"

namespace pamtotp {
namespace {

constexpr int64_t kNow = 1700000000;  // 2023-11-14 22:13:20 UTC

// A Store in memory. Every state update goes through the on-disk slot format and back.
class MemoryStore final : public Store {
 public:
  Enrollment enrollment;
  UserState state;
  uint64_t sequence = 0;

  Result<Enrollment> ReadDevices(std::string_view) override { return enrollment.Clone(); }
  Status ReadState(std::string_view, Enrollment& e, UserState& s) override {
    e = enrollment.Clone();
    s = state;
    return Status::Ok();
  }
  Status EditDevices(std::string_view, const DeviceEditor& edit) override {
    Enrollment copy = enrollment.Clone();
    if (Status s = edit(copy); !s.ok()) return s;
    enrollment = std::move(copy);
    return Status::Ok();
  }
  Status UpdateState(std::string_view, const StateUpdater& update) override {
    UserState copy = state;
    if (Status s = update(enrollment, copy); !s.ok()) return s;
    Result<std::string> slot = SerializeStateSlot(copy, ++sequence);
    FUZZ_CHECK(slot.ok());
    Result<StateSlot> back = ParseStateSlot(*slot);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->sequence == sequence);
    state = std::move(back->state);
    return Status::Ok();
  }
  std::string Describe(std::string_view) const override { return "memory"; }
};

Device MakeDevice(const char* id, const char* name, std::string_view key, HashAlgorithm algorithm,
                  int digits, int period, OtpType type, uint64_t counter) {
  return Device{id,   name,   SecretBytes::FromString(key), algorithm, digits, period, kNow - 86400,
                type, counter};
}

struct World {
  Enrollment enrollment;
  std::vector<SecretBytes> recovery_codes;  // as shown: "abcd-efgh-ijkl"
};

const World& TheWorld() {
  static World* world = [] {
    auto* w = new World;
    w->enrollment.devices.push_back(MakeDevice("0000000000000001", "phone", "12345678901234567890",
                                               HashAlgorithm::kSha1, 6, 30, OtpType::kTotp, 0));
    w->enrollment.devices.push_back(MakeDevice("0000000000000002", "tablet",
                                               "12345678901234567890123456789012",
                                               HashAlgorithm::kSha256, 8, 60, OtpType::kTotp, 0));
    w->enrollment.devices.push_back(MakeDevice("0000000000000003", "token", "abcdefghij0123456789",
                                               HashAlgorithm::kSha1, 6, 30, OtpType::kHotp, 5));
    // Cheap scrypt parameters: the store file refuses them, the matching code does not care.
    Result<NewRecoveryCodes> codes = GenerateRecoveryCodes(3, kNow, RecoveryParams{1, 1, 1});
    FUZZ_CHECK(codes.ok());
    w->enrollment.recovery = codes->set;
    w->recovery_codes = std::move(codes->codes);
    return w;
  }();
  return *world;
}

std::string CodeAt(const Device& device, uint64_t counter) {
  Result<uint32_t> value = Hotp(device.secret, counter, device.algorithm, device.digits);
  FUZZ_CHECK(value.ok());
  return std::string(FormatCode(*value, device.digits).view());
}

uint64_t StepOf(const Device& device) {
  return static_cast<uint64_t>(kNow) / static_cast<uint64_t>(device.period);
}

// The scene set by the first byte.
struct Scene {
  Config config;
  UserState state;
  bool substitute = false;
};

Scene SetScene(uint8_t flags, const World& world) {
  Scene scene;
  scene.config.window = flags & 3;
  scene.config.max_failures = 5;
  scene.config.lockout_time = 600;
  scene.state.failures = (flags >> 2) & 7;
  scene.state.last_failure = scene.state.failures == 0 ? 0
                             : (flags & 0x20)          ? kNow - 1
                                                       : kNow - 3600;
  if (flags & 0x40) {  // the phone's current step and token counter 7 are already used
    const std::vector<Device>& d = world.enrollment.devices;
    scene.state.devices.push_back(DeviceState{d[0].id, StepOf(d[0]), kNow - 5});
    scene.state.devices.push_back(DeviceState{d[2].id, 7, kNow - 5});
  }
  scene.substitute = (flags & 0x80) != 0;
  return scene;
}

std::string Substitute(std::string_view text, const World& world, const UserState& state) {
  const std::vector<Device>& d = world.enrollment.devices;
  const DeviceState* token = state.Find(d[2].id);
  uint64_t next = token != nullptr ? std::max(token->last_step + 1, d[2].counter) : d[2].counter;
  std::string out;
  for (char c : text) {
    if (c == '#') {
      out += CodeAt(d[0], StepOf(d[0]));
    } else if (c == '&') {
      out += CodeAt(d[1], StepOf(d[1]));
    } else if (c == '$') {
      out += CodeAt(d[2], next);
    } else if (c == '@') {
      out += world.recovery_codes[0].view();
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// True if `code` is right and fresh for some device, computed here without the verifier.
bool IndependentlyRight(const std::string& code, const World& world, const Scene& scene) {
  for (const Device& device : world.enrollment.devices) {
    const DeviceState* used = scene.state.Find(device.id);
    if (device.type == OtpType::kTotp) {
      for (int64_t offset = -scene.config.window; offset <= scene.config.window; ++offset) {
        uint64_t step = StepOf(device) + static_cast<uint64_t>(offset);
        if ((used == nullptr || step > used->last_step) && CodeAt(device, step) == code)
          return true;
      }
    } else {
      uint64_t next =
          used != nullptr ? std::max(used->last_step + 1, device.counter) : device.counter;
      for (uint64_t c = next; c < next + static_cast<uint64_t>(scene.config.hotp_window); ++c) {
        if (CodeAt(device, c) == code) return true;
      }
    }
  }
  return false;
}

bool IsRecoveryCode(const SecretBytes& normalized, const World& world) {
  for (const SecretBytes& shown : world.recovery_codes) {
    Result<SecretBytes> n = NormalizeRecoveryCode(shown.view());
    if (n.ok() && n->view() == normalized.view()) return true;
  }
  return false;
}

// How often each verdict came up, printed at exit: the accepting paths must be reached too.
long* VerdictCounts() {
  static long* counts = [] {
    // Indexed by Verdict; kBeforeBoot is its last value.
    static long storage[static_cast<int>(Verdict::kBeforeBoot) + 1] = {};
    std::atexit([] {
      std::fprintf(stderr,
                   "code_input verdicts: accepted %ld, recovery %ld, wrong %ld, replayed %ld, "
                   "malformed %ld, resync %ld, locked %ld, throttled %ld, before boot %ld\n",
                   storage[0], storage[1], storage[2], storage[3], storage[4], storage[5],
                   storage[6], storage[7], storage[9]);
    });
    return storage;
  }();
  return counts;
}

void CheckNormalizers(std::string_view input) {
  Result<SecretBytes> code = NormalizeCode(input);
  if (code.ok()) {
    FUZZ_CHECK(code->size() >= 6 && code->size() <= 8);
    for (char c : code->view()) FUZZ_CHECK(c >= '0' && c <= '9');
    std::string without_spaces;
    for (char c : input) {
      if (c != ' ') without_spaces.push_back(c);
    }
    FUZZ_CHECK(code->view() == without_spaces);
  }
  Result<SecretBytes> recovery = NormalizeRecoveryCode(input);
  if (recovery.ok()) {  // 12 of our letters, or an imported 8-digit scratch code
    bool letters = recovery->size() == kRecoveryCodeLetters;
    FUZZ_CHECK(letters || recovery->size() == kScratchCodeDigits);
    for (char c : recovery->view()) {
      FUZZ_CHECK(letters ? (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') : c >= '0' && c <= '9');
    }
  }
}

}  // namespace
}  // namespace pamtotp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pamtotp;
  if (size == 0) return 0;
  const World& world = TheWorld();
  Scene scene = SetScene(data[0], world);
  std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string input = scene.substitute ? Substitute(raw, world, scene.state) : std::string(raw);
  CheckNormalizers(input);

  MemoryStore store;
  store.enrollment = world.enrollment.Clone();
  store.state = scene.state;
  // Every third input on a system that booted 45 s ago (its codes may be refused as kBeforeBoot).
  const Clock clock{kNow, size % 3 == 0 ? kNow - 45 : 0};
  Result<Outcome> outcome = VerifyInput(store, "alice", input, clock, scene.config);
  FUZZ_CHECK(outcome.ok());
  VerdictCounts()[static_cast<int>(outcome->verdict)]++;
  const uint32_t before = scene.state.failures;
  Result<SecretBytes> code = NormalizeCode(input);
  Result<SecretBytes> recovery = NormalizeRecoveryCode(input);
  switch (outcome->verdict) {
    case Verdict::kAccepted:
      FUZZ_CHECK(code.ok());
      FUZZ_CHECK(IndependentlyRight(std::string(code->view()), world, scene));
      FUZZ_CHECK(store.state.failures == 0);
      break;
    case Verdict::kRecoveryAccepted:
      FUZZ_CHECK(recovery.ok() && IsRecoveryCode(*recovery, world));
      FUZZ_CHECK(store.state.failures == 0);
      break;
    case Verdict::kLocked:
    case Verdict::kThrottled:
      FUZZ_CHECK(store.state.failures == before);
      break;
    case Verdict::kMalformed:
      FUZZ_CHECK(!code.ok() && !recovery.ok());
      FUZZ_CHECK(store.state.failures == before + 1);
      break;
    case Verdict::kWrongCode:
    case Verdict::kReplayed:
    case Verdict::kResyncNeeded:
      FUZZ_CHECK(code.ok() || recovery.ok());
      FUZZ_CHECK(code.ok() ? !IndependentlyRight(std::string(code->view()), world, scene) : true);
      FUZZ_CHECK(store.state.failures == before + 1);
      break;
    case Verdict::kBeforeBoot:
      FUZZ_CHECK(clock.boot_time != 0 && code.ok());
      FUZZ_CHECK(store.state.failures == before);
      break;
    case Verdict::kNoDevices:
      FUZZ_CHECK(false);  // this user has devices
      break;
  }
  if (outcome->verdict == Verdict::kAccepted || outcome->verdict == Verdict::kRecoveryAccepted) {
    Result<Outcome> again = VerifyInput(store, "alice", input, clock, scene.config);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->verdict != Verdict::kAccepted &&
               again->verdict != Verdict::kRecoveryAccepted);
  }
  return 0;
}
