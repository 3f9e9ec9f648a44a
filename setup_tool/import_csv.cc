// Hardware tokens listed in CSV, and the serial-to-user map that goes with a PSKC file.
#include <string>

#include "core/otp.h"
#include "core/store_path.h"
#include "setup_tool/import_formats.h"
#include "setup_tool/import_text.h"

namespace pamtotp::totpctl {
namespace {

Status LineError(size_t line, const std::string& what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + what);
}

// The lines to read: not blank, not '#' comments, not the header starting with `header`.
// Each comes with its 1-based number. A quote anywhere is refused: there is no quoting.
Result<std::vector<std::pair<size_t, std::string_view>>> DataLines(std::string_view text,
                                                                   std::string_view header) {
  std::vector<std::pair<size_t, std::string_view>> out;
  std::vector<std::string_view> lines = SplitLines(text);
  bool first = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = TrimSpaces(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    if (line.find('"') != std::string_view::npos) {
      return LineError(i + 1, "quoted fields are not supported (no field may contain ',' or '\"')");
    }
    if (first && line.size() >= header.size() &&
        EqualsIgnoringCase(line.substr(0, header.size()), header)) {
      first = false;
      continue;
    }
    first = false;
    out.emplace_back(i + 1, line);
  }
  return out;
}

// "6", "7" or "8".
std::optional<int> ParseDigits(std::string_view text) {
  std::optional<uint64_t> n = ParseUint(text);
  if (!n || *n < kMinDigits || *n > kMaxDigits) return std::nullopt;
  return static_cast<int>(*n);
}

Status ParseTotpSettings(const std::vector<std::string_view>& f, size_t line, Device& device) {
  std::optional<HashAlgorithm> algorithm = ParseAlgorithm(f[3]);
  if (!algorithm) {
    return LineError(line, "the fourth field must be sha1, sha256, sha512 or hotp, not '" +
                               std::string(f[3]) + "'");
  }
  device.algorithm = *algorithm;
  std::optional<int> digits = ParseDigits(f[4]);
  if (!digits) return LineError(line, "digits must be 6, 7 or 8");
  device.digits = *digits;
  std::optional<uint64_t> period = ParseUint(f[5]);
  if (!period || *period < kMinPeriod || *period > kMaxPeriod) {
    return LineError(line, "the period must be 1 to 3600 seconds");
  }
  device.period = static_cast<int>(*period);
  return Status::Ok();
}

Status ParseHotpSettings(const std::vector<std::string_view>& f, size_t line, Device& device) {
  device.type = OtpType::kHotp;
  std::optional<uint64_t> counter = ParseUint(f[4]);
  if (!counter) return LineError(line, "the counter must be a whole number");
  device.counter = *counter;
  if (f.size() == 6) {
    std::optional<int> digits = ParseDigits(f[5]);
    if (!digits) return LineError(line, "digits must be 6, 7 or 8");
    device.digits = *digits;
  }
  return Status::Ok();
}

Result<ImportedToken> ParseTokenLine(std::string_view text, size_t line) {
  std::vector<std::string_view> f = SplitFields(text, ',');
  ImportedToken token;
  token.origin = "line " + std::to_string(line);
  const bool hotp = f.size() >= 4 && EqualsIgnoringCase(f[3], "hotp");
  if (f.size() != 3 && !(hotp && (f.size() == 5 || f.size() == 6)) && !(!hotp && f.size() == 6)) {
    return LineError(line,
                     "expected user,name,hexkey[,algorithm,digits,period] or "
                     "user,name,hexkey,hotp,counter[,digits]");
  }
  if (Status s = ValidateUserName(f[0]); !s.ok()) return LineError(line, "user: " + s.message());
  token.user = std::string(f[0]);
  if (!f[1].empty()) {
    if (Status s = ValidateDeviceName(f[1]); !s.ok()) {
      return LineError(line, "name: " + s.message());
    }
    token.name = std::string(f[1]);
  }
  Result<SecretBytes> key = HexDecode(f[2]);
  if (!key.ok()) return LineError(line, key.status().message());
  token.device.secret = std::move(key).value();
  if (f.size() > 3) {
    Status s =
        hotp ? ParseHotpSettings(f, line, token.device) : ParseTotpSettings(f, line, token.device);
    if (!s.ok()) return s;
  }
  return token;
}

}  // namespace

Result<std::vector<ImportedToken>> ParseTokenCsv(std::string_view text) {
  Result<std::vector<std::pair<size_t, std::string_view>>> lines = DataLines(text, "user,");
  if (!lines.ok()) return lines.status();
  std::vector<ImportedToken> tokens;
  for (const auto& [number, line] : *lines) {
    Result<ImportedToken> token = ParseTokenLine(line, number);
    if (!token.ok()) return token.status();
    tokens.push_back(std::move(token).value());
  }
  if (tokens.empty()) return Status::InvalidArgument("the CSV file lists no tokens");
  return tokens;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseSerialMap(std::string_view text) {
  Result<std::vector<std::pair<size_t, std::string_view>>> lines = DataLines(text, "serial,");
  if (!lines.ok()) return lines.status();
  std::vector<std::pair<std::string, std::string>> map;
  for (const auto& [number, line] : *lines) {
    std::vector<std::string_view> f = SplitFields(line, ',');
    if (f.size() != 2 || f[0].empty()) return LineError(number, "expected serial,user");
    if (Status s = ValidateUserName(f[1]); !s.ok()) {
      return LineError(number, "user: " + s.message());
    }
    for (const auto& [serial, user] : map) {
      if (serial == f[0]) {
        return LineError(number, "serial " + serial + " is listed twice");
      }
    }
    map.emplace_back(std::string(f[0]), std::string(f[1]));
  }
  if (map.empty()) return Status::InvalidArgument("the map file lists no serial,user lines");
  return map;
}

}  // namespace pamtotp::totpctl
