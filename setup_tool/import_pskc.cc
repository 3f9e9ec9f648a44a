// PSKC (RFC 6030) key containers, as hardware token vendors ship them.
#include <string>

#include "core/otp.h"
#include "core/store_path.h"
#include "setup_tool/import_formats.h"
#include "setup_tool/import_text.h"
#include "setup_tool/import_xml.h"

namespace pamtotp::totpctl {
namespace {

constexpr std::string_view kPskcNamespace = "urn:ietf:params:xml:ns:keyprov:pskc";

// The algorithm URIs of RFC 6030 (HOTP) and RFC 6238 practice (TOTP), and the older forms some
// vendors still write.
std::optional<OtpType> ParseAlgorithmUri(std::string_view uri) {
  if (uri == "urn:ietf:params:xml:ns:keyprov:pskc:hotp" ||
      uri == "http://www.ietf.org/keyprov/pskc#hotp") {
    return OtpType::kHotp;
  }
  if (uri == "urn:ietf:params:xml:ns:keyprov:pskc:totp" ||
      uri == "http://www.ietf.org/keyprov/pskc#totp") {
    return OtpType::kTotp;
  }
  return std::nullopt;
}

// The trimmed, unescaped text of a leaf element.
Result<std::string> TextOf(const XmlElement& element) {
  return XmlUnescape(TrimSpaces(element.text));
}

class TokenReader {
 public:
  TokenReader(const XmlElement& package, size_t index) : package_(package), index_(index) {}

  Result<ImportedToken> Read() {
    const XmlElement* device_info = package_.Child("DeviceInfo");
    std::vector<const XmlElement*> keys = package_.Children("Key");
    if (keys.size() != 1) return Error("must hold exactly one <Key>");
    const XmlElement& key = *keys[0];
    if (device_info != nullptr) {
      if (Status s = Leaf(*device_info, "SerialNo", token_.serial); !s.ok()) return s;
    }
    if (token_.serial.empty()) {
      Result<std::string> id = XmlUnescape(key.Attribute("Id").value_or(""));
      if (!id.ok()) return Error(id.status().message());
      token_.serial = *id;
    }
    token_.origin =
        token_.serial.empty() ? "KeyPackage " + std::to_string(index_) : "token " + token_.serial;
    std::optional<OtpType> type = ParseAlgorithmUri(key.Attribute("Algorithm").value_or(""));
    if (!type) return Error("the key's Algorithm is not HOTP or TOTP (pskc:hotp, pskc:totp)");
    token_.device.type = *type;
    if (Status s = Parameters(key); !s.ok()) return s;
    if (Status s = Data(key); !s.ok()) return s;
    if (Status s = Leaf(key, "UserId", token_.user); !s.ok()) return s;
    if (token_.user.empty() && device_info != nullptr) {
      if (Status s = Leaf(*device_info, "UserId", token_.user); !s.ok()) return s;
    }
    if (!token_.user.empty()) {
      if (Status s = ValidateUserName(token_.user); !s.ok()) return Error("UserId: " + s.message());
    }
    return std::move(token_);
  }

 private:
  Status Error(const std::string& what) const {
    const std::string where =
        token_.origin.empty() ? "KeyPackage " + std::to_string(index_) : token_.origin;
    return Status::InvalidArgument(where + ": " + what);
  }

  // The text of `parent`'s child `name` into `out`, if there is one.
  Status Leaf(const XmlElement& parent, std::string_view name, std::string& out) const {
    const XmlElement* child = parent.Child(name);
    if (child == nullptr) return Status::Ok();
    Result<std::string> text = TextOf(*child);
    if (!text.ok()) return Error(text.status().message());
    out = *text;
    return Status::Ok();
  }

  Status Parameters(const XmlElement& key) {
    const XmlElement* params = key.Child("AlgorithmParameters");
    if (params == nullptr) return Status::Ok();
    if (const XmlElement* suite = params->Child("Suite"); suite != nullptr) {
      std::string_view name = TrimSpaces(suite->text);
      if (name.substr(0, 5) == "HMAC-") name.remove_prefix(5);
      std::optional<HashAlgorithm> algorithm = ParseAlgorithm(name);
      if (!algorithm) return Error("Suite must be HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512");
      token_.device.algorithm = *algorithm;
    }
    const XmlElement* format = params->Child("ResponseFormat");
    if (format == nullptr) return Status::Ok();
    if (std::string_view encoding = format->Attribute("Encoding").value_or("DECIMAL");
        encoding != "DECIMAL") {
      return Error("ResponseFormat Encoding must be DECIMAL (codes are digits)");
    }
    std::optional<uint64_t> length = ParseUint(format->Attribute("Length").value_or(""));
    if (!length || *length < kMinDigits || *length > kMaxDigits) {
      return Error("ResponseFormat Length must be 6, 7 or 8");
    }
    token_.device.digits = static_cast<int>(*length);
    return Status::Ok();
  }

  // The plain value of Data/`name`: nullptr if absent; refuses an encrypted one.
  Result<const XmlElement*> PlainValue(const XmlElement& data, std::string_view name) const {
    const XmlElement* item = data.Child(name);
    if (item == nullptr) return nullptr;
    if (item->Child("EncryptedValue") != nullptr) {
      return Error("the " + std::string(name) +
                   " is encrypted (EncryptedValue); pam_totp reads plain keys only: ask the "
                   "vendor for a file with PlainValue keys, or decrypt this one first");
    }
    const XmlElement* plain = item->Child("PlainValue");
    if (plain == nullptr) return Error(std::string(name) + " has no PlainValue");
    return plain;
  }

  Status Number(const XmlElement& data, std::string_view name, std::optional<uint64_t>& out) {
    Result<const XmlElement*> value = PlainValue(data, name);
    if (!value.ok()) return value.status();
    if (*value == nullptr) return Status::Ok();
    out = ParseUint(TrimSpaces((*value)->text));
    if (!out) return Error(std::string(name) + " is not a whole number");
    return Status::Ok();
  }

  Status Data(const XmlElement& key) {
    const XmlElement* data = key.Child("Data");
    if (data == nullptr) return Error("the key has no <Data>");
    Result<const XmlElement*> secret = PlainValue(*data, "Secret");
    if (!secret.ok()) return secret.status();
    if (*secret == nullptr) return Error("the key has no <Secret>");
    if ((*secret)->text.find('&') != std::string_view::npos) {
      return Error("the Secret holds an XML entity; write it as plain base64");
    }
    Result<SecretBytes> bytes = Base64Decode((*secret)->text);
    if (!bytes.ok()) return Error("Secret: " + bytes.status().message());
    token_.device.secret = std::move(bytes).value();
    std::optional<uint64_t> counter, interval, time;
    for (auto [name, out] : {std::pair{"Counter", &counter}, std::pair{"TimeInterval", &interval},
                             std::pair{"Time", &time}}) {
      if (Status s = Number(*data, name, *out); !s.ok()) return s;
    }
    if (counter) token_.device.counter = *counter;
    if (interval) {
      if (*interval < kMinPeriod || *interval > kMaxPeriod) {
        return Error("TimeInterval must be 1 to 3600 seconds");
      }
      token_.device.period = static_cast<int>(*interval);
    }
    if (time && *time != 0) return Error("a Time (T0) other than 0 is not supported");
    return Status::Ok();
  }

  const XmlElement& package_;
  size_t index_;
  ImportedToken token_;
};

Status CheckContainer(const XmlElement& root) {
  if (root.local != "KeyContainer") {
    return Status::InvalidArgument("not a PSKC file: the root element is not <KeyContainer>");
  }
  const size_t colon = root.name.rfind(':');
  const std::string xmlns = colon == std::string_view::npos
                                ? "xmlns"
                                : "xmlns:" + std::string(root.name.substr(0, colon));
  if (root.Attribute(xmlns) != kPskcNamespace) {
    return Status::InvalidArgument("not a PSKC file: <KeyContainer> is not in the namespace " +
                                   std::string(kPskcNamespace));
  }
  if (std::optional<std::string_view> version = root.Attribute("Version");
      version && *version != "1.0") {
    return Status::InvalidArgument("PSKC Version " + std::string(*version) +
                                   " is not supported (only 1.0)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ImportedToken>> ParsePskc(std::string_view text) {
  Result<XmlElement> root = ParseXml(text);
  if (!root.ok()) return root.status();
  if (Status s = CheckContainer(*root); !s.ok()) return s;
  std::vector<ImportedToken> tokens;
  std::vector<const XmlElement*> packages = root->Children("KeyPackage");
  for (size_t i = 0; i < packages.size(); ++i) {
    Result<ImportedToken> token = TokenReader(*packages[i], i + 1).Read();
    if (!token.ok()) return token.status();
    tokens.push_back(std::move(token).value());
  }
  if (tokens.empty()) return Status::InvalidArgument("the PSKC file holds no <KeyPackage>");
  return tokens;
}

}  // namespace pamtotp::totpctl
