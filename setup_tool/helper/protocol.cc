#include "setup_tool/helper/protocol.h"

#include <algorithm>
#include <charconv>

#include "core/device.h"
#include "core/otp.h"
#include "core/store_format.h"

namespace pamtotp::helper {
namespace {

Status Malformed(const std::string& why) {
  return Status::InvalidArgument("malformed helper message: " + why);
}

bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Splits `text` into lines; every line must end with '\n' and hold no other control character.
Result<std::vector<std::string_view>> SplitLines(std::string_view text) {
  if (text.empty() || text.back() != '\n') return Malformed("it does not end with a newline");
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (HasControl(line)) return Malformed("a line holds a control character");
    lines.push_back(line);
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// "key value" -> key, value. The key is lower-case letters and '_'; the value is not empty.
Status SplitField(std::string_view line, std::string_view& key, std::string_view& value) {
  size_t space = line.find(' ');
  key = line.substr(0, space);
  if (space == std::string_view::npos || key.empty() || space + 1 == line.size()) {
    return Malformed("expected 'key value', got a line without a value");
  }
  for (char c : key) {
    if ((c < 'a' || c > 'z') && c != '_') return Malformed("a key is not lower-case letters");
  }
  value = line.substr(space + 1);
  return Status::Ok();
}

bool Listed(const std::vector<std::string_view>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void AppendFields(SecretBytes& out, const Message& message) {
  for (const auto& [key, value] : message.fields) {
    out.Append(key);
    out.push_back(' ');
    out.Append(value);
    out.push_back('\n');
  }
}

}  // namespace

const std::vector<VerbSpec>& Verbs() {
  static const std::vector<VerbSpec>* const verbs = new std::vector<VerbSpec>{
      {"status", {}, {}},
      {"verify", {"code"}, {}},
      {"rename", {"name", "new_name"}, {}},
      {"remove", {"name", "code"}, {}},
      {"enroll", {"device"}, {"confirm", "code"}},
      {"show", {"name", "code"}, {}},
      {"recovery", {"count"}, {"code"}},
  };
  return *verbs;
}

const SecretBytes* Message::Get(std::string_view key) const {
  for (const auto& field : fields) {
    if (field.first == key) return &field.second;
  }
  return nullptr;
}

std::vector<const SecretBytes*> Message::GetAll(std::string_view key) const {
  std::vector<const SecretBytes*> values;
  for (const auto& field : fields) {
    if (field.first == key) values.push_back(&field.second);
  }
  return values;
}

Result<SecretBytes> SerializeRequest(const Message& request) {
  SecretBytes out = SecretBytes::FromString(kMagic);
  out.push_back('\n');
  out.Append(request.verb);
  out.push_back('\n');
  AppendFields(out, request);
  // What the helper would refuse is refused here, with the same words.
  Result<Message> check = ParseRequest(out.view());
  if (!check.ok()) return check.status();
  return out;
}

Result<Message> ParseRequest(std::string_view text) {
  if (text.size() > kMaxRequestSize) return Malformed("the request is too long");
  Result<std::vector<std::string_view>> lines = SplitLines(text);
  if (!lines.ok()) return lines.status();
  if (lines->size() < 2 || (*lines)[0] != kMagic) {
    return Malformed("expected '" + std::string(kMagic) + "' and a verb");
  }
  Message request;
  request.verb = std::string((*lines)[1]);
  const VerbSpec* spec = nullptr;
  for (const VerbSpec& v : Verbs()) {
    if (v.verb == request.verb) spec = &v;
  }
  if (spec == nullptr) return Malformed("unknown verb '" + request.verb + "'");
  for (size_t i = 2; i < lines->size(); ++i) {
    std::string_view key, value;
    if (Status s = SplitField((*lines)[i], key, value); !s.ok()) return s;
    if (!Listed(spec->required, key) && !Listed(spec->optional, key)) {
      return Malformed("'" + request.verb + "' takes no '" + std::string(key) + "'");
    }
    if (request.Get(key) != nullptr) return Malformed("'" + std::string(key) + "' is given twice");
    request.Add(std::string(key), value);
  }
  for (std::string_view key : spec->required) {
    if (request.Get(key) == nullptr) {
      return Malformed("'" + request.verb + "' needs '" + std::string(key) + "'");
    }
  }
  return request;
}

SecretBytes SerializeReply(const Message& reply) {
  SecretBytes out;
  if (reply.verb == "ok") {
    out.Append("ok\n");
    AppendFields(out, reply);
    out.Append("end\n");
  } else {
    std::string error = reply.error;
    std::replace_if(
        error.begin(), error.end(), [](char c) { return HasControl(std::string_view(&c, 1)); },
        '?');
    out.Append("error " + error + "\n");
  }
  return out;
}

Result<Message> ParseReply(std::string_view text) {
  if (text.size() > kMaxReplySize) return Malformed("the reply is too long");
  Result<std::vector<std::string_view>> lines = SplitLines(text);
  if (!lines.ok()) return lines.status();
  Message reply;
  const std::string_view first = lines->front();
  if (first.starts_with("error ") && lines->size() == 1) {
    reply.verb = "error";
    reply.error = std::string(first.substr(6));
    return reply;
  }
  if (first != "ok" || lines->size() < 2 || lines->back() != "end") {
    return Malformed("expected 'ok' ... 'end' or 'error <message>'");
  }
  reply.verb = "ok";
  for (size_t i = 1; i + 1 < lines->size(); ++i) {
    std::string_view key, value;
    if (Status s = SplitField((*lines)[i], key, value); !s.ok()) return s;
    reply.Add(std::string(key), value);
  }
  return reply;
}

Result<int64_t> ParseNumber(std::string_view text, int64_t low, int64_t high) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < low ||
      n > high) {
    return Malformed("'" + std::string(text.substr(0, 32)) + "' is not a number in range");
  }
  return n;
}

std::string DeviceSummary(const Device& device, int64_t last_used) {
  return device.id + (device.type == OtpType::kTotp ? " totp " : " hotp ") +
         std::string(AlgorithmName(device.algorithm)) + " " + std::to_string(device.digits) + " " +
         std::to_string(device.period) + " " + std::to_string(device.counter) + " " +
         std::to_string(device.created) + " " + std::to_string(last_used) + " " + device.name;
}

Status ParseDeviceSummary(std::string_view text, Device& device, int64_t& last_used) {
  std::string_view parts[8];
  for (std::string_view& part : parts) {
    size_t space = text.find(' ');
    if (space == std::string_view::npos) return Malformed("a device line is cut short");
    part = text.substr(0, space);
    text.remove_prefix(space + 1);
  }
  device.id = std::string(parts[0]);
  if (parts[1] != "totp" && parts[1] != "hotp") return Malformed("unknown device type");
  device.type = parts[1] == "totp" ? OtpType::kTotp : OtpType::kHotp;
  std::optional<HashAlgorithm> algorithm = ParseAlgorithm(parts[2]);
  if (!algorithm) return Malformed("unknown algorithm");
  device.algorithm = *algorithm;
  Result<int64_t> digits = ParseNumber(parts[3], kMinDigits, kMaxDigits);
  Result<int64_t> period = ParseNumber(parts[4], kMinPeriod, kMaxPeriod);
  Result<int64_t> counter = ParseNumber(parts[5], 0, INT64_MAX);
  Result<int64_t> created = ParseNumber(parts[6], 0, INT64_MAX);
  Result<int64_t> used = ParseNumber(parts[7], 0, INT64_MAX);
  for (const Status* s :
       {&digits.status(), &period.status(), &counter.status(), &created.status(), &used.status()}) {
    if (!s->ok()) return *s;
  }
  device.digits = static_cast<int>(*digits);
  device.period = static_cast<int>(*period);
  device.counter = static_cast<uint64_t>(*counter);
  device.created = *created;
  last_used = *used;
  device.name = std::string(text);
  return ValidateDeviceName(device.name);
}

}  // namespace pamtotp::helper

namespace pamtotp::helper {
namespace {

constexpr std::pair<Verdict, std::string_view> kVerdictWords[] = {
    {Verdict::kAccepted, "accepted"},   {Verdict::kRecoveryAccepted, "recovery"},
    {Verdict::kWrongCode, "wrong"},     {Verdict::kReplayed, "replayed"},
    {Verdict::kMalformed, "malformed"}, {Verdict::kResyncNeeded, "resync"},
    {Verdict::kLocked, "locked"},       {Verdict::kThrottled, "throttled"},
    {Verdict::kNoDevices, "none"},
};

}  // namespace

Result<SecretBytes> DeviceLine(const Device& device) {
  Enrollment one;
  one.devices.push_back(device.Clone());
  Result<SecretBytes> file = SerializeDeviceFile(one);
  if (!file.ok()) return file.status();
  std::string_view text = file->view();
  size_t at = text.find("\ndevice ");
  if (at == std::string_view::npos) return Status::Internal("no device line was written");
  text.remove_prefix(at + 8);
  return SecretBytes::FromString(text.substr(0, text.find('\n')));
}

Result<Device> ParseDeviceLine(std::string_view line) {
  SecretBytes file = SecretBytes::FromString("pam_totp-devices 1\ndevice ");
  file.Append(line);
  file.push_back('\n');
  Result<Enrollment> parsed = ParseDeviceFile(file.view());
  if (!parsed.ok()) return parsed.status();
  if (parsed->devices.size() != 1 || parsed->recovery) {
    return Malformed("expected exactly one device line");
  }
  return std::move(parsed->devices.front());
}

void AddOutcome(const Outcome& outcome, Message& reply) {
  for (const auto& [verdict, word] : kVerdictWords) {
    if (verdict == outcome.verdict) reply.Add("verdict", word);
  }
  if (!outcome.device_name.empty()) reply.Add("device", outcome.device_name);
  reply.Add("offset", std::to_string(outcome.offset));
  reply.Add("failures", std::to_string(outcome.failures));
  if (outcome.drift) reply.Add("drift", std::to_string(*outcome.drift));
  reply.Add("retry_at", std::to_string(outcome.retry_at));
  reply.Add("recovery_left", std::to_string(outcome.recovery_left));
  if (!outcome.detail.empty()) reply.Add("detail", outcome.detail);
}

Result<Outcome> ParseOutcome(const Message& reply) {
  Outcome outcome;
  const SecretBytes* verdict = reply.Get("verdict");
  if (verdict == nullptr) return Malformed("no verdict");
  bool known = false;
  for (const auto& [v, word] : kVerdictWords) {
    if (word == verdict->view()) {
      outcome.verdict = v;
      known = true;
    }
  }
  if (!known) return Malformed("unknown verdict");
  auto number = [&](std::string_view key, int64_t low, int64_t high) -> Result<int64_t> {
    const SecretBytes* value = reply.Get(key);
    if (value == nullptr) return Malformed("no " + std::string(key));
    return ParseNumber(value->view(), low, high);
  };
  Result<int64_t> offset = number("offset", INT64_MIN, INT64_MAX);
  Result<int64_t> failures = number("failures", 0, UINT32_MAX);
  Result<int64_t> retry_at = number("retry_at", 0, INT64_MAX);
  Result<int64_t> left = number("recovery_left", 0, 1000);
  for (const Status* s :
       {&offset.status(), &failures.status(), &retry_at.status(), &left.status()}) {
    if (!s->ok()) return *s;
  }
  outcome.offset = *offset;
  outcome.failures = static_cast<uint32_t>(*failures);
  outcome.retry_at = *retry_at;
  outcome.recovery_left = static_cast<size_t>(*left);
  if (reply.Get("drift") != nullptr) {
    Result<int64_t> drift = number("drift", INT64_MIN, INT64_MAX);
    if (!drift.ok()) return drift.status();
    outcome.drift = *drift;
  }
  if (const SecretBytes* device = reply.Get("device")) outcome.device_name = device->view();
  if (const SecretBytes* detail = reply.Get("detail")) outcome.detail = detail->view();
  return outcome;
}

}  // namespace pamtotp::helper
