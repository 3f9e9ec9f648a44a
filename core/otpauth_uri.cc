#include "core/otpauth_uri.h"

#include <charconv>
#include <optional>
#include <vector>

#include "core/base32.h"

namespace pamtotp {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status CheckLabelPart(std::string_view what, std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ':' || c == '&' || c == '#' || c == '?' || c == '+') {
      return Status::InvalidArgument(std::string(what) +
                                     " must not contain ':', '&', '#', '?', '+' or control "
                                     "characters (authenticator apps mangle them)");
    }
  }
  return Status::Ok();
}

std::optional<int> ParseSmallInt(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Digits only: no sign, no spaces, no overflow.
std::optional<uint64_t> ParseCounter(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Decodes into anything with push_back(char): a std::string, or a SecretBytes for the secret.
template <typename Out>
Status PercentDecodeInto(std::string_view text, Out& out) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return Status::InvalidArgument("a '%' escape is cut off");
    int high = HexValue(text[i + 1]);
    int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return Status::InvalidArgument("a '%' escape is not two hex digits");
    char c = static_cast<char>(high * 16 + low);
    if (c == '\0') return Status::InvalidArgument("a '%00' escape (NUL byte) is not allowed");
    out.push_back(c);
    i += 2;
  }
  return Status::Ok();
}

std::string_view TrimLeadingSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  if (Status s = PercentDecodeInto(text, out); !s.ok()) return s;
  return out;
}

Result<SecretBytes> BuildOtpauthUri(const OtpauthKey& key) {
  if (key.account.empty()) return Status::InvalidArgument("the account name is empty");
  if (Status s = CheckLabelPart("the account name", key.account); !s.ok()) return s;
  if (Status s = CheckLabelPart("the issuer", key.issuer); !s.ok()) return s;
  if (key.digits < kMinDigits || key.digits > kMaxDigits) {
    return Status::InvalidArgument("digits must be 6, 7 or 8");
  }
  if (key.period < kMinPeriod || key.period > kMaxPeriod) {
    return Status::InvalidArgument("period must be between 1 and 3600 seconds");
  }
  if (key.secret.empty()) return Status::InvalidArgument("the secret is empty");
  const bool hotp = key.type == OtpType::kHotp;
  SecretBytes uri = SecretBytes::FromString(hotp ? "otpauth://hotp/" : "otpauth://totp/");
  if (!key.issuer.empty()) uri.Append(PercentEncode(key.issuer) + ":");
  uri.Append(PercentEncode(key.account));
  uri.Append("?secret=");
  uri.Append(Base32Encode(key.secret.bytes()));
  if (!key.issuer.empty()) uri.Append("&issuer=" + PercentEncode(key.issuer));
  if (key.algorithm != HashAlgorithm::kSha1) {
    uri.Append("&algorithm=");
    uri.Append(AlgorithmName(key.algorithm));
  }
  if (key.digits != 6) uri.Append("&digits=" + std::to_string(key.digits));
  if (hotp) {
    uri.Append("&counter=" + std::to_string(key.counter));
  } else if (key.period != 30) {
    uri.Append("&period=" + std::to_string(key.period));
  }
  // Escapes can triple a name, and the issuer is written twice: what the parser (and a QR code)
  // would refuse is refused here, so every URI built can be read back.
  if (uri.size() > kMaxUriLength) {
    return Status::InvalidArgument("the issuer and account names are too long for an otpauth URI");
  }
  return uri;
}

Result<OtpauthKey> ParseOtpauthUri(std::string_view uri) {
  if (uri.size() > kMaxUriLength) return Status::InvalidArgument("the URI is too long");
  constexpr std::string_view kScheme = "otpauth://";
  if (uri.size() < kScheme.size()) return Status::InvalidArgument("not an otpauth:// URI");
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = uri[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return Status::InvalidArgument("not an otpauth:// URI");
  }
  uri.remove_prefix(kScheme.size());
  size_t slash = uri.find('/');
  if (slash == std::string_view::npos) return Status::InvalidArgument("the URI has no label");
  std::string type(uri.substr(0, slash));
  for (char& c : type) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (type != "totp" && type != "hotp") {
    return Status::InvalidArgument("the URI type must be totp or hotp");
  }
  uri.remove_prefix(slash + 1);
  if (size_t hash = uri.find('#'); hash != std::string_view::npos) uri = uri.substr(0, hash);
  size_t question = uri.find('?');
  std::string_view label = uri.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : uri.substr(question + 1);

  OtpauthKey key;
  key.type = type == "hotp" ? OtpType::kHotp : OtpType::kTotp;
  Result<std::string> decoded_label = PercentDecode(label);
  if (!decoded_label.ok()) return decoded_label.status().WithContext("label");
  std::string_view label_text = *decoded_label;
  if (size_t colon = label_text.find(':'); colon != std::string_view::npos) {
    key.issuer = std::string(label_text.substr(0, colon));
    key.account = std::string(TrimLeadingSpaces(label_text.substr(colon + 1)));
  } else {
    key.account = std::string(label_text);
  }

  std::vector<std::string> seen;
  bool have_secret = false;
  bool have_counter = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(pair.substr(0, eq));
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const std::string& s : seen) {
      if (s == name) return Status::InvalidArgument("parameter '" + name + "' appears twice");
    }
    seen.push_back(name);
    if (name == "secret") {
      SecretBytes text;
      if (Status s = PercentDecodeInto(pair.substr(eq + 1), text); !s.ok()) {
        return s.WithContext("secret");
      }
      Result<SecretBytes> secret = Base32Decode(text.view());
      if (!secret.ok()) return secret.status().WithContext("secret");
      key.secret = std::move(secret).value();
      have_secret = true;
      continue;
    }
    Result<std::string> value = PercentDecode(pair.substr(eq + 1));
    if (!value.ok()) return value.status().WithContext("parameter '" + name + "'");
    if (name == "issuer") {
      key.issuer = *value;
    } else if (name == "algorithm") {
      std::optional<HashAlgorithm> algorithm = ParseAlgorithm(*value);
      if (!algorithm) return Status::InvalidArgument("algorithm must be SHA1, SHA256 or SHA512");
      key.algorithm = *algorithm;
    } else if (name == "digits") {
      std::optional<int> digits = ParseSmallInt(*value);
      if (!digits || *digits < kMinDigits || *digits > kMaxDigits) {
        return Status::InvalidArgument("digits must be 6, 7 or 8");
      }
      key.digits = *digits;
    } else if (name == "counter" && key.type == OtpType::kHotp) {
      std::optional<uint64_t> counter = ParseCounter(*value);
      if (!counter) return Status::InvalidArgument("counter must be a whole number, 0 or more");
      key.counter = *counter;
      have_counter = true;
    } else if (name == "period" && key.type == OtpType::kTotp) {
      std::optional<int> period = ParseSmallInt(*value);
      if (!period || *period < kMinPeriod || *period > kMaxPeriod) {
        return Status::InvalidArgument("period must be between 1 and 3600 seconds");
      }
      key.period = *period;
    }
  }
  if (!have_secret) return Status::InvalidArgument("the URI has no secret= parameter");
  if (key.type == OtpType::kHotp && !have_counter) {
    return Status::InvalidArgument(
        "the hotp URI has no counter= parameter; add the token's next counter, e.g. &counter=0");
  }
  return key;
}

}  // namespace pamtotp
