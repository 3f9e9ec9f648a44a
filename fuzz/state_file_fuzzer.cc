// ParseStateFile and ParseStateSlot on any bytes (the login state, written on every attempt).
// A random slot almost never carries a right checksum, so the first byte picks a mode:
//   0: the rest is a whole state file          1: the rest is one slot, NUL-padded
//   2: the rest is a slot body; its checksum line is added (as totp-store(5) describes it)
//   3: like 2, for two slots split at the first '|'
// Properties: a slot that parses is written back (SerializeStateSlot) to a slot that parses to
// the same state and sequence; a whole file picks a valid slot with the highest sequence.
#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/store_format.h"
#include "fuzz/fuzz_check.h"

namespace {

using pamtotp::kStateSlotSize;

// "sum <first 16 bytes of SHA-256(body) in hex>\n" after the body, then NUL padding.
std::string SealedSlot(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), digest.data(), &len, EVP_sha256(), nullptr);
  std::string slot(body);
  slot += "sum ";
  for (size_t i = 0; i < 16; ++i) {
    slot.push_back("0123456789abcdef"[digest[i] >> 4]);
    slot.push_back("0123456789abcdef"[digest[i] & 15]);
  }
  slot += "\n";
  if (slot.size() < kStateSlotSize) slot.resize(kStateSlotSize, '\0');
  return slot;
}

std::string Padded(std::string_view text) {
  std::string slot(text);
  if (slot.size() < kStateSlotSize) slot.resize(kStateSlotSize, '\0');
  return slot;
}

bool SameState(const pamtotp::UserState& a, const pamtotp::UserState& b) {
  if (a.failures != b.failures || a.last_failure != b.last_failure ||
      a.recovery_id != b.recovery_id || a.recovery_used != b.recovery_used ||
      a.devices.size() != b.devices.size() || a.resync.has_value() != b.resync.has_value()) {
    return false;
  }
  for (size_t i = 0; i < a.devices.size(); ++i) {
    const pamtotp::DeviceState &x = a.devices[i], &y = b.devices[i];
    if (x.id != y.id || x.last_step != y.last_step || x.last_used != y.last_used) return false;
  }
  return !a.resync || (a.resync->device_id == b.resync->device_id &&
                       a.resync->counter == b.resync->counter && a.resync->seen == b.resync->seen);
}

// A slot that parses must survive being written and read again.
void CheckSlot(std::string_view slot) {
  pamtotp::Result<pamtotp::StateSlot> parsed = pamtotp::ParseStateSlot(slot);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == pamtotp::Status::Code::kCorruption);
    return;
  }
  pamtotp::Result<std::string> written =
      pamtotp::SerializeStateSlot(parsed->state, parsed->sequence);
  if (!written.ok()) return;  // more devices than a slot holds: refused, never truncated
  FUZZ_CHECK(written->size() == kStateSlotSize);
  pamtotp::Result<pamtotp::StateSlot> reread = pamtotp::ParseStateSlot(*written);
  FUZZ_CHECK(reread.ok());
  FUZZ_CHECK(reread->sequence == parsed->sequence);
  FUZZ_CHECK(SameState(reread->state, parsed->state));
}

void CheckFile(std::string_view file) {
  pamtotp::Result<pamtotp::StateFile> parsed = pamtotp::ParseStateFile(file);
  if (!parsed.ok()) return;
  FUZZ_CHECK(parsed->next_slot <= 1);
  if (file.size() != pamtotp::kStateFileSize) {
    FUZZ_CHECK(file.empty());
    return;
  }
  pamtotp::Result<pamtotp::StateSlot> a = pamtotp::ParseStateSlot(file.substr(0, kStateSlotSize));
  pamtotp::Result<pamtotp::StateSlot> b = pamtotp::ParseStateSlot(file.substr(kStateSlotSize));
  if (a.ok()) FUZZ_CHECK(parsed->sequence >= a->sequence);
  if (b.ok()) FUZZ_CHECK(parsed->sequence >= b->sequence);
  // The next write never overwrites the slot that was read.
  const pamtotp::Result<pamtotp::StateSlot>& read_slot = parsed->next_slot == 1 ? a : b;
  if (a.ok() || b.ok()) {
    FUZZ_CHECK(read_slot.ok());
    FUZZ_CHECK(read_slot->sequence == parsed->sequence);
    CheckSlot(file.substr(parsed->next_slot == 1 ? 0 : kStateSlotSize, kStateSlotSize));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      CheckFile(text);
      break;
    case 1:
      if (text.size() <= kStateSlotSize) CheckSlot(Padded(text));
      break;
    case 2:
      CheckSlot(SealedSlot(text));
      break;
    case 3: {
      size_t bar = text.find('|');
      std::string first = SealedSlot(text.substr(0, bar));
      std::string second =
          SealedSlot(bar == std::string_view::npos ? std::string_view() : text.substr(bar + 1));
      if (first.size() == kStateSlotSize && second.size() == kStateSlotSize) {
        CheckFile(first + second);
      }
      break;
    }
  }
  return 0;
}
