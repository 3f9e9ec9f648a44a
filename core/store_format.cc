#include "core/store_format.h"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <optional>

#include "core/base32.h"
#include "core/otpauth_uri.h"

namespace pamtotp {
namespace {

constexpr std::string_view kDevicesMagic = "pam_totp-devices 1";
constexpr std::string_view kStateMagic = "pam_totp-state 1";

// Splits off the text up to `sep` (or the end) and returns it.
std::string_view TakeToken(std::string_view& text, char sep) {
  size_t pos = text.find(sep);
  std::string_view token = text.substr(0, pos);
  text = pos == std::string_view::npos ? std::string_view() : text.substr(pos + 1);
  return token;
}

template <typename Int>
std::optional<Int> ParseDecimal(std::string_view text) {
  Int value{};
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;  // no sign, no spaces
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Status LineError(size_t line, const std::string& what) {
  return Status::Corruption("line " + std::to_string(line) + ": " + what);
}

Result<Device> ParseDeviceLine(std::string_view fields, size_t line) {
  Device device;
  enum Field { kId, kName, kAlgorithm, kDigits, kPeriod, kCreated, kSecret, kFieldCount };
  static constexpr std::array<std::string_view, kFieldCount> kNames = {
      "id", "name", "algorithm", "digits", "period", "created", "secret"};
  std::array<bool, kFieldCount> seen{};
  while (!fields.empty()) {
    std::string_view pair = TakeToken(fields, ' ');
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return LineError(line, "a field has no '='");
    std::string_view key = pair.substr(0, eq);
    std::string_view value = pair.substr(eq + 1);
    size_t index = 0;
    while (index < kFieldCount && kNames[index] != key) ++index;
    if (index == kFieldCount) return LineError(line, "unknown field '" + std::string(key) + "'");
    if (seen[index]) return LineError(line, "field '" + std::string(key) + "' appears twice");
    seen[index] = true;
    switch (static_cast<Field>(index)) {
      case kId:
        device.id = std::string(value);
        break;
      case kName: {
        Result<std::string> name = PercentDecode(value);
        if (!name.ok()) return LineError(line, "bad name: " + name.status().message());
        device.name = std::move(name).value();
        break;
      }
      case kAlgorithm: {
        std::optional<HashAlgorithm> algorithm = ParseAlgorithm(value);
        if (!algorithm || AlgorithmName(*algorithm) != value) {
          return LineError(line, "algorithm must be SHA1, SHA256 or SHA512");
        }
        device.algorithm = *algorithm;
        break;
      }
      case kDigits:
      case kPeriod:
      case kCreated: {
        std::optional<int64_t> number = ParseDecimal<int64_t>(value);
        if (!number) return LineError(line, "field '" + std::string(key) + "' is not a number");
        if (index != kCreated && *number > kMaxPeriod) {
          return LineError(line, "field '" + std::string(key) + "' is out of range");
        }
        if (index == kCreated) device.created = *number;
        if (index == kDigits) device.digits = static_cast<int>(*number);
        if (index == kPeriod) device.period = static_cast<int>(*number);
        break;
      }
      case kSecret: {
        Result<SecretBytes> secret = Base32Decode(value);
        if (!secret.ok()) return LineError(line, "bad secret: " + secret.status().message());
        device.secret = std::move(secret).value();
        break;
      }
      case kFieldCount:
        break;
    }
  }
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (!seen[i]) return LineError(line, "field '" + std::string(kNames[i]) + "' is missing");
  }
  if (Status s = ValidateDevice(device); !s.ok()) return LineError(line, s.message());
  return device;
}

}  // namespace

Result<std::vector<Device>> ParseDeviceFile(std::string_view text) {
  if (text.size() > kMaxDeviceFileSize) {
    return Status::Corruption("the file is larger than " + std::to_string(kMaxDeviceFileSize) +
                              " bytes");
  }
  if (text.find('\0') != std::string_view::npos) {
    return Status::Corruption("the file contains a NUL byte");
  }
  if (!text.empty() && text.back() != '\n') {
    return Status::Corruption("the file does not end with a newline (truncated?)");
  }
  std::vector<Device> devices;
  bool have_magic = false;
  size_t line_number = 0;
  while (!text.empty()) {
    std::string_view line = TakeToken(text, '\n');
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    if (!have_magic) {
      if (line.starts_with("pam_totp-devices ") && line != kDevicesMagic) {
        return LineError(line_number, "unsupported format version '" +
                                          std::string(line.substr(17, 16)) +
                                          "' (this pam_totp reads version 1)");
      }
      if (line != kDevicesMagic) {
        return LineError(line_number, "expected the header '" + std::string(kDevicesMagic) + "'");
      }
      have_magic = true;
      continue;
    }
    if (!line.starts_with("device ")) return LineError(line_number, "expected a 'device' line");
    Result<Device> device = ParseDeviceLine(line.substr(7), line_number);
    if (!device.ok()) return device.status();
    for (const Device& d : devices) {
      if (d.id == device->id) return LineError(line_number, "duplicate device id");
      if (d.name == device->name) return LineError(line_number, "duplicate device name");
    }
    if (devices.size() == kMaxDevices) {
      return LineError(line_number, "more than " + std::to_string(kMaxDevices) + " devices");
    }
    devices.push_back(std::move(device).value());
  }
  if (!have_magic) return Status::Corruption("the file is empty (no header)");
  return devices;
}

Result<SecretBytes> SerializeDeviceFile(const std::vector<Device>& devices) {
  if (devices.size() > kMaxDevices) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxDevices) + " devices per user");
  }
  SecretBytes out = SecretBytes::FromString(
      "# pam_totp devices: secrets. Managed by totpctl; format in totp-store(5).\n");
  out.Append(kDevicesMagic);
  out.Append("\n");
  for (size_t i = 0; i < devices.size(); ++i) {
    const Device& d = devices[i];
    if (Status s = ValidateDevice(d); !s.ok()) return s.WithContext("device '" + d.name + "'");
    // Never write what ParseDeviceFile refuses: that file would lock the user out for good.
    for (size_t j = 0; j < i; ++j) {
      if (devices[j].id == d.id) return Status::AlreadyExists("two devices have the id " + d.id);
      if (devices[j].name == d.name) {
        return Status::AlreadyExists("two devices are named '" + d.name + "'");
      }
    }
    out.Append("device id=" + d.id + " name=" + PercentEncode(d.name) +
               " algorithm=" + std::string(AlgorithmName(d.algorithm)) +
               " digits=" + std::to_string(d.digits) + " period=" + std::to_string(d.period) +
               " created=" + std::to_string(d.created) + " secret=");
    out.Append(Base32Encode(d.secret.bytes()));
    out.Append("\n");
  }
  return out;
}

namespace {

// Hex of the first 16 bytes of SHA-256(text): detects torn or garbled slots.
std::string Checksum(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

Status SlotError(const std::string& what) { return Status::Corruption("state slot: " + what); }

}  // namespace

Result<std::string> SerializeStateSlot(const UserState& state, uint64_t sequence) {
  std::string body(kStateMagic);
  body += "\nseq " + std::to_string(sequence) + "\nfailures " + std::to_string(state.failures) +
          "\nlast_failure " + std::to_string(state.last_failure) + "\n";
  for (const DeviceState& d : state.devices) {
    body += "device " + d.id + " " + std::to_string(d.last_step) + " " +
            std::to_string(d.last_used) + "\n";
  }
  body += "sum " + Checksum(body) + "\n";
  if (body.size() > kStateSlotSize) return Status::InvalidArgument("the state is too large");
  body.resize(kStateSlotSize, '\0');
  return body;
}

Result<StateSlot> ParseStateSlot(std::string_view slot) {
  if (slot.size() != kStateSlotSize) return SlotError("wrong size");
  std::string_view text = slot.substr(0, slot.find('\0'));
  if (slot.find_first_not_of('\0', text.size()) != std::string_view::npos) {
    return SlotError("bytes after the record");
  }
  size_t sum_pos = text.rfind("sum ");
  if (sum_pos == std::string_view::npos || (sum_pos > 0 && text[sum_pos - 1] != '\n')) {
    return SlotError("no checksum");
  }
  std::string_view body = text.substr(0, sum_pos);
  if (text.substr(sum_pos) != "sum " + Checksum(body) + "\n") return SlotError("bad checksum");

  StateSlot out;
  bool have_seq = false, have_failures = false, have_last_failure = false;
  std::string_view rest = body;
  if (TakeToken(rest, '\n') != kStateMagic) return SlotError("unknown version");
  while (!rest.empty()) {
    std::string_view line = TakeToken(rest, '\n');
    std::string_view key = TakeToken(line, ' ');
    if (key == "seq" || key == "failures" || key == "last_failure") {
      std::optional<uint64_t> n = ParseDecimal<uint64_t>(line);
      if (!n) return SlotError("bad number for " + std::string(key));
      if (key == "seq") have_seq = true, out.sequence = *n;
      if (key == "failures") have_failures = true, out.state.failures = static_cast<uint32_t>(*n);
      if (key == "last_failure") {
        have_last_failure = true;
        out.state.last_failure = static_cast<int64_t>(*n);
      }
    } else if (key == "device") {
      DeviceState d;
      d.id = std::string(TakeToken(line, ' '));
      std::optional<uint64_t> step = ParseDecimal<uint64_t>(TakeToken(line, ' '));
      std::optional<int64_t> used = ParseDecimal<int64_t>(line);
      if (d.id.size() != 16 || !step || !used) return SlotError("bad device line");
      d.last_step = *step;
      d.last_used = *used;
      out.state.devices.push_back(std::move(d));
    } else {
      return SlotError("unknown line");
    }
  }
  if (!have_seq || !have_failures || !have_last_failure) return SlotError("missing field");
  return out;
}

Result<StateFile> ParseStateFile(std::string_view file) {
  if (file.empty()) return StateFile{};
  if (file.size() != kStateFileSize) {
    return Status::Corruption("the state file is " + std::to_string(file.size()) +
                              " bytes, expected " + std::to_string(kStateFileSize));
  }
  Result<StateSlot> a = ParseStateSlot(file.substr(0, kStateSlotSize));
  Result<StateSlot> b = ParseStateSlot(file.substr(kStateSlotSize));
  if (!a.ok() && !b.ok()) {
    // Both slots zero means the file was created but never written.
    if (file.find_first_not_of('\0') == std::string_view::npos) return StateFile{};
    return Status::Corruption("both state slots are damaged (" + a.status().message() + "; " +
                              b.status().message() + ")");
  }
  bool use_a = a.ok() && (!b.ok() || a->sequence >= b->sequence);
  StateSlot& chosen = use_a ? *a : *b;
  return StateFile{std::move(chosen.state), chosen.sequence, use_a ? size_t{1} : size_t{0}};
}

}  // namespace pamtotp
