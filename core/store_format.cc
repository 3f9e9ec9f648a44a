#include "core/store_format.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "core/base32.h"
#include "core/hex.h"
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

// Line 0: a record that is not a line of a file (a directory entry's values).
Status LineError(size_t line, const std::string& what) {
  if (line == 0) return Status::Corruption(what);
  return Status::Corruption("line " + std::to_string(line) + ": " + what);
}

// The "key=value" fields of one line, each key known and given once.
class Fields {
 public:
  static Result<Fields> Split(std::string_view text, std::span<const std::string_view> allowed,
                              size_t line) {
    Fields fields;
    while (!text.empty()) {
      std::string_view pair = TakeToken(text, ' ');
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) return LineError(line, "a field has no '='");
      std::string_view key = pair.substr(0, eq);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return LineError(line, "unknown field '" + std::string(key) + "'");
      }
      if (fields.Get(key)) return LineError(line, "field '" + std::string(key) + "' appears twice");
      fields.items_.emplace_back(key, pair.substr(eq + 1));
    }
    return fields;
  }
  std::optional<std::string_view> Get(std::string_view key) const {
    for (const auto& [k, v] : items_) {
      if (k == key) return v;
    }
    return std::nullopt;
  }

 private:
  std::vector<std::pair<std::string_view, std::string_view>> items_;
};

// Reads field `key` as a number in [low, high].
template <typename Int>
Status NumberField(const Fields& fields, std::string_view key, Int low, Int high, size_t line,
                   Int& out) {
  std::optional<std::string_view> text = fields.Get(key);
  if (!text) return LineError(line, "field '" + std::string(key) + "' is missing");
  std::optional<Int> number = ParseDecimal<Int>(*text);
  if (!number) return LineError(line, "field '" + std::string(key) + "' is not a number");
  if (*number < low || *number > high) {
    return LineError(line, "field '" + std::string(key) + "' is out of range");
  }
  out = *number;
  return Status::Ok();
}

constexpr std::array<std::string_view, 9> kDeviceFields = {
    "id", "name", "type", "algorithm", "digits", "period", "counter", "created", "secret"};

Result<Device> ParseDeviceLine(std::string_view text, size_t line) {
  Result<Fields> fields = Fields::Split(text, kDeviceFields, line);
  if (!fields.ok()) return fields.status();
  for (std::string_view key : {"id", "name", "type", "algorithm", "digits", "created", "secret"}) {
    if (!fields->Get(key)) return LineError(line, "field '" + std::string(key) + "' is missing");
  }
  Device device;
  device.id = std::string(*fields->Get("id"));
  Result<std::string> name = PercentDecode(*fields->Get("name"));
  if (!name.ok()) return LineError(line, "bad name: " + name.status().message());
  device.name = std::move(name).value();
  std::string_view type = *fields->Get("type");
  if (type != "totp" && type != "hotp") return LineError(line, "type must be totp or hotp");
  device.type = type == "totp" ? OtpType::kTotp : OtpType::kHotp;
  // Each type has its own moving part: a period for TOTP, a first counter for HOTP.
  std::string_view own = device.type == OtpType::kTotp ? "period" : "counter";
  std::string_view other = device.type == OtpType::kTotp ? "counter" : "period";
  if (fields->Get(other)) {
    return LineError(
        line, "a " + std::string(type) + " device has no field '" + std::string(other) + "'");
  }
  // Digits and period only need to fit here: ValidateDevice below names their real limits.
  if (device.type == OtpType::kTotp) {
    if (Status s = NumberField(*fields, own, 0, kMaxPeriod, line, device.period); !s.ok()) {
      return s;
    }
  } else if (Status s =
                 NumberField<uint64_t>(*fields, own, 0, UINT64_MAX / 2, line, device.counter);
             !s.ok()) {
    return s;
  }
  std::optional<HashAlgorithm> algorithm = ParseAlgorithm(*fields->Get("algorithm"));
  if (!algorithm || AlgorithmName(*algorithm) != *fields->Get("algorithm")) {
    return LineError(line, "algorithm must be SHA1, SHA256 or SHA512");
  }
  device.algorithm = *algorithm;
  if (Status s = NumberField(*fields, "digits", 0, kMaxPeriod, line, device.digits); !s.ok()) {
    return s;
  }
  if (Status s = NumberField<int64_t>(*fields, "created", 0, INT64_MAX / 2, line, device.created);
      !s.ok()) {
    return s;
  }
  Result<SecretBytes> secret = Base32Decode(*fields->Get("secret"));
  if (!secret.ok()) return LineError(line, "bad secret: " + secret.status().message());
  device.secret = std::move(secret).value();
  if (Status s = ValidateDevice(device); !s.ok()) return LineError(line, s.message());
  return device;
}

bool ValidScryptParams(const RecoveryParams& p) {
  if (p.log2_n < 10 || p.log2_n > 20 || p.r < 1 || p.r > 32 || p.p < 1 || p.p > 16) return false;
  // Recovery checks run scrypt with a 64 MiB limit; OpenSSL needs 128*r*(N+2) + 128*r*p bytes.
  const uint64_t r = static_cast<uint64_t>(p.r);
  const uint64_t memory = uint64_t{128} * r * ((uint64_t{1} << p.log2_n) + 2) +
                          uint64_t{128} * r * static_cast<uint64_t>(p.p);
  return memory <= uint64_t{64} * 1024 * 1024;
}

constexpr std::string_view kBadScryptParams =
    "scrypt parameters must be log2(N),r,p within 10-20, 1-32, 1-16 and need at most 64 MiB";

constexpr std::array<std::string_view, 5> kRecoveryFields = {"id", "created", "scrypt", "salt",
                                                             "codes"};

Result<RecoverySet> ParseRecoveryLine(std::string_view text, size_t line) {
  Result<Fields> fields = Fields::Split(text, kRecoveryFields, line);
  if (!fields.ok()) return fields.status();
  for (std::string_view key : kRecoveryFields) {
    if (!fields->Get(key)) return LineError(line, "field '" + std::string(key) + "' is missing");
  }
  RecoverySet set;
  set.id = std::string(*fields->Get("id"));
  if (!IsDeviceId(set.id)) return LineError(line, "the recovery set id is not 16 hex digits");
  if (Status s = NumberField<int64_t>(*fields, "created", 0, INT64_MAX / 2, line, set.created);
      !s.ok()) {
    return s;
  }
  std::string_view params = *fields->Get("scrypt");
  std::optional<int> log2_n = ParseDecimal<int>(TakeToken(params, ','));
  std::optional<int> r = ParseDecimal<int>(TakeToken(params, ','));
  std::optional<int> p = ParseDecimal<int>(params);
  if (!log2_n || !r || !p || !ValidScryptParams(RecoveryParams{*log2_n, *r, *p})) {
    return LineError(line, std::string(kBadScryptParams));
  }
  set.params = RecoveryParams{*log2_n, *r, *p};
  if (!HexDecode(*fields->Get("salt"), set.salt)) return LineError(line, "bad salt");
  std::string_view codes = *fields->Get("codes");
  if (codes.ends_with(',')) return LineError(line, "bad code hash");  // we never write one
  while (!codes.empty()) {
    std::array<uint8_t, kRecoveryHashBytes> hash{};
    if (!HexDecode(TakeToken(codes, ','), hash)) return LineError(line, "bad code hash");
    if (set.hashes.size() == kMaxRecoveryCodes) return LineError(line, "too many recovery codes");
    set.hashes.push_back(hash);
  }
  if (set.hashes.empty()) return LineError(line, "a recovery set without codes");
  return set;
}

}  // namespace

Result<Enrollment> ParseDeviceFile(std::string_view text) {
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
  Enrollment enrollment;
  std::vector<Device>& devices = enrollment.devices;
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
    if (line.starts_with("recovery ")) {
      if (enrollment.recovery) return LineError(line_number, "a second recovery line");
      Result<RecoverySet> set = ParseRecoveryLine(line.substr(9), line_number);
      if (!set.ok()) return set.status();
      enrollment.recovery = std::move(set).value();
      continue;
    }
    if (!line.starts_with("device ")) {
      return LineError(line_number, "expected a 'device' or 'recovery' line");
    }
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
  return enrollment;
}

Result<SecretBytes> SerializeDeviceFile(const Enrollment& enrollment) {
  const std::vector<Device>& devices = enrollment.devices;
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
    for (size_t j = 0; j < i; ++j) {
      if (devices[j].name == d.name) {
        return Status::AlreadyExists("two devices are named '" + d.name + "'");
      }
      if (devices[j].id == d.id) return Status::AlreadyExists("two devices have the id " + d.id);
    }
    std::string moving = d.type == OtpType::kTotp ? " period=" + std::to_string(d.period)
                                                  : " counter=" + std::to_string(d.counter);
    out.Append("device id=" + d.id + " name=" + PercentEncode(d.name) +
               " type=" + (d.type == OtpType::kTotp ? "totp" : "hotp") + " algorithm=" +
               std::string(AlgorithmName(d.algorithm)) + " digits=" + std::to_string(d.digits) +
               moving + " created=" + std::to_string(d.created) + " secret=");
    out.Append(Base32Encode(d.secret.bytes()));
    out.Append("\n");
  }
  if (enrollment.recovery) {
    Result<std::string> recovery = SerializeRecoveryFields(*enrollment.recovery);
    if (!recovery.ok()) return recovery.status();
    out.Append("recovery " + *recovery + "\n");
  }
  return out;
}

Result<Device> ParseDeviceFields(std::string_view fields) { return ParseDeviceLine(fields, 0); }

Result<RecoverySet> ParseRecoveryFields(std::string_view fields) {
  return ParseRecoveryLine(fields, 0);
}

Result<std::string> SerializeRecoveryFields(const RecoverySet& r) {
  if (r.hashes.empty() || r.hashes.size() > kMaxRecoveryCodes) {
    return Status::InvalidArgument("a recovery set holds 1 to 32 codes");
  }
  if (!IsDeviceId(r.id)) {
    return Status::InvalidArgument("the recovery set id is not 16 hex digits");
  }
  if (!ValidScryptParams(r.params)) return Status::InvalidArgument(std::string(kBadScryptParams));
  if (r.created < 0 || r.created > INT64_MAX / 2) {
    return Status::InvalidArgument("the recovery set's creation time is out of range");
  }
  std::string codes;
  for (const auto& hash : r.hashes) codes += (codes.empty() ? "" : ",") + HexEncode(hash);
  return "id=" + r.id + " created=" + std::to_string(r.created) +
         " scrypt=" + std::to_string(r.params.log2_n) + "," + std::to_string(r.params.r) + "," +
         std::to_string(r.params.p) + " salt=" + HexEncode(r.salt) + " codes=" + codes;
}

namespace {

// Hex of the first 16 bytes of SHA-256(text): detects torn or garbled slots.
std::string Checksum(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return HexEncode(std::span<const uint8_t>(digest.data(), 16));
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
  if (!state.recovery_id.empty()) {
    body += "recovery " + state.recovery_id + " " + std::to_string(state.recovery_used) + "\n";
  }
  if (state.resync) {
    body += "resync " + state.resync->device_id + " " + std::to_string(state.resync->counter) +
            " " + std::to_string(state.resync->seen) + "\n";
  }
  body += "sum " + Checksum(body) + "\n";
  if (body.size() > kStateSlotSize) return Status::InvalidArgument("the state is too large");
  body.resize(kStateSlotSize, '\0');
  return body;
}

namespace {

// A slot split into its record and checksum line, before either is checked.
struct SlotText {
  std::string_view body;  // up to and including the newline before "sum "
  std::string_view sum;   // "sum <hex>\n"
};

Result<SlotText> SplitSlot(std::string_view slot) {
  if (slot.size() != kStateSlotSize) return SlotError("wrong size");
  std::string_view text = slot.substr(0, slot.find('\0'));
  static constexpr char kZeros[kStateSlotSize] = {};
  if (std::memcmp(slot.data() + text.size(), kZeros, slot.size() - text.size()) != 0) {
    return SlotError("bytes after the record");
  }
  size_t sum_pos = text.rfind("sum ");
  if (sum_pos == std::string_view::npos || (sum_pos > 0 && text[sum_pos - 1] != '\n')) {
    return SlotError("no checksum");
  }
  return SlotText{text.substr(0, sum_pos), text.substr(sum_pos)};
}

bool SumHolds(const SlotText& text) { return text.sum == "sum " + Checksum(text.body) + "\n"; }

Result<StateSlot> ParseSlotBody(std::string_view body) {
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
      if ((key == "failures" && *n > UINT32_MAX) || (key == "last_failure" && *n > INT64_MAX)) {
        return SlotError("number out of range for " + std::string(key));
      }
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
    } else if (key == "recovery") {
      out.state.recovery_id = std::string(TakeToken(line, ' '));
      std::optional<uint32_t> mask = ParseDecimal<uint32_t>(line);
      if (out.state.recovery_id.size() != 16 || !mask) return SlotError("bad recovery line");
      out.state.recovery_used = *mask;
    } else if (key == "resync") {
      PendingResync r;
      r.device_id = std::string(TakeToken(line, ' '));
      std::optional<uint64_t> counter = ParseDecimal<uint64_t>(TakeToken(line, ' '));
      std::optional<int64_t> seen = ParseDecimal<int64_t>(line);
      if (r.device_id.size() != 16 || !counter || !seen) return SlotError("bad resync line");
      r.counter = *counter;
      r.seen = *seen;
      out.state.resync = std::move(r);
    } else {
      return SlotError("unknown line");
    }
  }
  if (!have_seq || !have_failures || !have_last_failure) return SlotError("missing field");
  return out;
}

// One slot of a state file, parsed with its checksum not yet computed (a SHA-256; a login
// reads two slots and needs only the one it uses). Final() gives what ParseStateSlot gives.
class PendingSlot {
 public:
  explicit PendingSlot(std::string_view slot)
      : text_(SplitSlot(slot)),
        parsed_(text_.ok() ? ParseSlotBody(text_->body) : Result<StateSlot>(text_.status())) {}
  // Whether the slot can be valid: everything but the checksum holds.
  bool Plausible() const { return parsed_.ok(); }
  uint64_t sequence() const { return parsed_.ok() ? parsed_->sequence : 0; }
  // A bad checksum overrides whatever the record's text said, as in ParseStateSlot.
  Result<StateSlot>& Final() {
    if (text_.ok() && !checked_) {
      checked_ = true;
      if (!SumHolds(*text_)) parsed_ = SlotError("bad checksum");
    }
    return parsed_;
  }

 private:
  Result<SlotText> text_;
  Result<StateSlot> parsed_;
  bool checked_ = false;
};

}  // namespace

Result<StateSlot> ParseStateSlot(std::string_view slot) { return PendingSlot(slot).Final(); }

Result<StateFile> ParseStateFile(std::string_view file) {
  if (file.empty()) return StateFile{};
  if (file.size() != kStateFileSize) {
    return Status::Corruption("the state file is " + std::to_string(file.size()) +
                              " bytes, expected " + std::to_string(kStateFileSize));
  }
  PendingSlot a(file.substr(0, kStateSlotSize));
  PendingSlot b(file.substr(kStateSlotSize));
  // The valid slot with the higher sequence number (a on a tie). The newer plausible slot is
  // checked first; the other one's checksum is computed only if that one is damaged.
  const bool a_first = a.Plausible() && (!b.Plausible() || a.sequence() >= b.sequence());
  PendingSlot* chosen = a_first ? &a : &b;
  if (!chosen->Final().ok()) {
    chosen = a_first ? &b : &a;
    if (!chosen->Final().ok()) {
      // Both slots zero means the file was created but never written.
      if (file.find_first_not_of('\0') == std::string_view::npos) return StateFile{};
      return Status::Corruption("both state slots are damaged (" + a.Final().status().message() +
                                "; " + b.Final().status().message() + ")");
    }
  }
  StateSlot& slot = *chosen->Final();
  return StateFile{std::move(slot.state), slot.sequence, chosen == &a ? size_t{1} : size_t{0}};
}

}  // namespace pamtotp
