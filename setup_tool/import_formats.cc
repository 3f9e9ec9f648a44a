// Key encodings, google-authenticator files and pam_oath users files.
#include "setup_tool/import_formats.h"

#include <charconv>

#include "core/base32.h"
#include "core/recovery.h"
#include "core/store_path.h"
#include "setup_tool/import_text.h"

namespace pamtotp::totpctl {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Status LineError(size_t line, const std::string& what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + what);
}

// One '"' option line of a google-authenticator file, without the quote.
Status ApplyGaOption(std::string_view text, size_t line, GoogleAuthenticatorFile& file,
                     bool& totp_auth, bool& hotp) {
  std::vector<std::string_view> words = SplitWords(text);
  if (words.empty()) return LineError(line, "an empty option line");
  const std::string_view name = words[0];
  auto number = [&](size_t i, uint64_t max) -> std::optional<uint64_t> {
    if (i >= words.size()) return std::nullopt;
    std::optional<uint64_t> n = ParseUint(words[i]);
    return n && *n <= max ? n : std::nullopt;
  };
  if (name == "RATE_LIMIT") {
    std::optional<uint64_t> count = number(1, 100), seconds = number(2, 3600);
    if (!count || !seconds) return LineError(line, "RATE_LIMIT needs two numbers");
    file.rate_limit = {static_cast<int>(*count), static_cast<int>(*seconds)};
  } else if (name == "WINDOW_SIZE") {
    std::optional<uint64_t> size = number(1, 100);
    if (!size || *size == 0 || words.size() != 2) {
      return LineError(line, "WINDOW_SIZE needs one number from 1 to 100");
    }
    file.window_size = static_cast<int>(*size);
  } else if (name == "DISALLOW_REUSE") {
    file.disallow_reuse = true;  // followed by the time steps already used
  } else if (name == "TOTP_AUTH") {
    totp_auth = true;
  } else if (name == "HOTP_COUNTER") {
    std::optional<uint64_t> counter = number(1, UINT64_MAX);
    if (!counter || words.size() != 2) return LineError(line, "HOTP_COUNTER needs one number");
    file.token.device.type = OtpType::kHotp;
    file.token.device.counter = *counter;
    hotp = true;
  } else if (name == "STEP_SIZE") {
    std::optional<uint64_t> step = number(1, kMaxPeriod);
    if (!step || *step == 0 || words.size() != 2) {
      return LineError(line, "STEP_SIZE needs one number of seconds from 1 to 3600");
    }
    file.token.device.period = static_cast<int>(*step);
  } else if (name != "TIME_SKEW" && name != "RESETTING_TIME_SKEW") {
    return LineError(line, "unknown option '" + std::string(name) + "'");
  }
  return Status::Ok();
}

Status AddScratchCode(std::string_view text, size_t line, GoogleAuthenticatorFile& file) {
  Result<SecretBytes> code = NormalizeRecoveryCode(text);
  if (text.size() != kScratchCodeDigits || !code.ok() || !IsScratchCode(*code)) {
    return LineError(line, "not an option (\") and not an 8-digit scratch code");
  }
  for (const SecretBytes& seen : file.scratch_codes) {
    if (seen.view() == code->view()) return Status::Ok();
  }
  if (file.scratch_codes.size() == kMaxRecoveryCodes) {
    return LineError(line, "more than " + std::to_string(kMaxRecoveryCodes) + " scratch codes");
  }
  file.scratch_codes.push_back(std::move(code).value());
  return Status::Ok();
}

// "HOTP", "HOTP/E/8", "HOTP/T30/6"...: sets type, digits and period.
bool ParseOathType(std::string_view type, Device& device) {
  if (type.substr(0, 4) != "HOTP") return false;
  type.remove_prefix(4);
  device.type = OtpType::kHotp;
  if (type.empty()) return true;
  if (type.substr(0, 2) == "/E") {
    type.remove_prefix(2);
  } else if (type.substr(0, 4) == "/T30" || type.substr(0, 4) == "/T60") {
    device.type = OtpType::kTotp;
    device.period = type.substr(2, 2) == "30" ? 30 : 60;
    type.remove_prefix(4);
  } else {
    return false;
  }
  if (type.empty()) return true;
  if (type == "/6" || type == "/7" || type == "/8") {
    device.digits = type[1] - '0';
    return true;
  }
  return false;
}

}  // namespace

Result<SecretBytes> HexDecode(std::string_view text) {
  SecretBytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == ':') continue;
    const int value = HexValue(c);
    if (value < 0)
      return Status::InvalidArgument("the hex key has a character that is not 0-9 or a-f");
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<char>(high * 16 + value));
      high = -1;
    }
  }
  if (high >= 0) return Status::InvalidArgument("the hex key has an odd number of digits");
  if (out.empty()) return Status::InvalidArgument("the hex key is empty");
  return out;
}

Result<SecretBytes> Base64Decode(std::string_view text) {
  SecretBytes out;
  uint32_t bits = 0;
  int count = 0, padding = 0;
  for (char c : text) {
    if (IsSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int value = Base64Value(c);
    if (value < 0 || padding > 0) return Status::InvalidArgument("the base64 value is malformed");
    bits = (bits << 6) | static_cast<uint32_t>(value);
    if (++count % 4 == 0) {
      for (int shift = 16; shift >= 0; shift -= 8) out.push_back(static_cast<char>(bits >> shift));
      bits = 0;
    }
  }
  const int rest = count % 4;
  if (rest == 1 || (rest == 0 && padding != 0) || (rest != 0 && padding != 4 - rest)) {
    return Status::InvalidArgument("the base64 value is malformed");
  }
  if (rest == 2) out.push_back(static_cast<char>(bits >> 4));
  if (rest == 3) {
    out.push_back(static_cast<char>(bits >> 10));
    out.push_back(static_cast<char>(bits >> 2));
  }
  return out;
}

Result<GoogleAuthenticatorFile> ParseGoogleAuthenticatorFile(std::string_view text) {
  GoogleAuthenticatorFile file;
  file.token.origin = "the google-authenticator file";
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty() || lines[0].empty()) {
    return Status::InvalidArgument("line 1 must hold the base32 secret");
  }
  Result<SecretBytes> secret = Base32Decode(lines[0]);
  if (!secret.ok()) return secret.status().WithContext("line 1");
  file.token.device.secret = std::move(secret).value();
  bool totp_auth = false, hotp = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    Status s = line.front() == '"' ? ApplyGaOption(line.substr(1), i + 1, file, totp_auth, hotp)
                                   : AddScratchCode(line, i + 1, file);
    if (!s.ok()) return s;
  }
  if (totp_auth && hotp) {
    return Status::InvalidArgument("the file has both TOTP_AUTH and HOTP_COUNTER");
  }
  return file;
}

Result<std::vector<ImportedToken>> ParsePamOathUsersFile(std::string_view text) {
  std::vector<ImportedToken> tokens;
  std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string_view> f = SplitWords(lines[i]);
    if (f.empty() || f[0].front() == '#') continue;
    const size_t line = i + 1;
    ImportedToken token;
    token.origin = "line " + std::to_string(line);
    if (!ParseOathType(f[0], token.device)) {
      return LineError(line, "unknown token type '" + std::string(f[0]) +
                                 "' (pam_oath knows HOTP, HOTP/E, HOTP/E/8, HOTP/T30, "
                                 "HOTP/T60/8 and the like)");
    }
    if (f.size() < 4) return LineError(line, "needs TYPE USER PASSWORD HEXKEY");
    if (f.size() > 7) return LineError(line, "has more than 7 fields");
    if (Status s = ValidateUserName(f[1]); !s.ok()) return LineError(line, s.message());
    token.user = std::string(f[1]);
    Result<SecretBytes> key = HexDecode(f[3]);
    if (!key.ok()) return LineError(line, key.status().message());
    token.device.secret = std::move(key).value();
    if (f.size() >= 5) {
      std::optional<uint64_t> counter = ParseUint(f[4]);
      if (!counter) return LineError(line, "the counter is not a whole number");
      // With a last OTP recorded, pam_oath's counter is the one that OTP used.
      const bool used = f.size() >= 6 && *counter < UINT64_MAX;
      if (token.device.type == OtpType::kHotp) token.device.counter = *counter + (used ? 1 : 0);
    }
    if (f[2] != "-" && f[2] != "+") {
      token.warning = "the PIN of " + token.user +
                      " is not imported: pam_totp has no PINs (the password asked before "
                      "pam_totp stands in for it)";
    }
    tokens.push_back(std::move(token));
  }
  if (tokens.empty()) return Status::InvalidArgument("the users file has no tokens");
  return tokens;
}

}  // namespace pamtotp::totpctl
