// The on-disk formats of the file store, as pure functions over bytes (a fuzzer calls these).
// totp-store(5) documents both formats; change that page with this file.
//
// Devices file (secrets, written rarely, atomically replaced):
//   # comment lines
//   pam_totp-devices 1
//   device id=<16 hex> name=<percent-encoded> type=totp algorithm=SHA1 digits=6
//          period=30 created=<unix s> secret=<base32>      (one line per device; an HOTP
//          device has type=hotp and counter=<first counter> instead of period)
//   recovery id=<16 hex> created=<unix s> scrypt=<log2 N>,<r>,<p> salt=<32 hex>
//          codes=<32 hex>,<32 hex>,...                      (at most one line)
//
// State file (written on every login attempt, in place): two fixed-size slots of
// kStateSlotSize bytes. Each holds a text record ending in a SHA-256 checksum line, padded with
// NUL bytes. A write goes to the slot holding the older sequence number, so a torn write leaves
// the other slot intact; the reader takes the valid slot with the highest sequence number.
#ifndef PAMTOTP_CORE_STORE_FORMAT_H_
#define PAMTOTP_CORE_STORE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/device.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

inline constexpr size_t kMaxDeviceFileSize = 64 * 1024;
inline constexpr size_t kStateSlotSize = 2048;
inline constexpr size_t kStateFileSize = 2 * kStateSlotSize;

Result<Enrollment> ParseDeviceFile(std::string_view text);
// Refuses what ParseDeviceFile would refuse (duplicate names or ids, bad fields), so a
// written file can always be read back.
Result<SecretBytes> SerializeDeviceFile(const Enrollment& enrollment);

// One device or recovery record as the fields of its line, without the leading "device " or
// "recovery " (the directory store keeps records in this form too: pam_totp-ldap(5)). The
// parsers validate as ParseDeviceFile does; their messages carry no line number.
Result<Device> ParseDeviceFields(std::string_view fields);
Result<RecoverySet> ParseRecoveryFields(std::string_view fields);
Result<std::string> SerializeRecoveryFields(const RecoverySet& r);

struct StateSlot {
  UserState state;
  uint64_t sequence = 0;
};

// Exactly kStateSlotSize bytes.
Result<std::string> SerializeStateSlot(const UserState& state, uint64_t sequence);
Result<StateSlot> ParseStateSlot(std::string_view slot);

struct StateFile {
  UserState state;
  uint64_t sequence = 0;  // of the slot read; the next write uses sequence + 1
  size_t next_slot = 0;   // the slot the next write must go to (0 or 1)
};

// `file` is the whole state file: empty (never written) or kStateFileSize bytes. Fails with
// Corruption only if neither slot is valid.
Result<StateFile> ParseStateFile(std::string_view file);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_STORE_FORMAT_H_
