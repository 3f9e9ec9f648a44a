// otpauth:// URIs (Google's Key Uri Format), the text inside an enrollment QR code.
//
// BuildOtpauthUri writes what the widest range of apps reads correctly (see ../shared/APPS.md
// in the team notes): the issuer both as label prefix and as parameter, the secret in upper-case
// base32 without padding, and algorithm/digits/period only when they differ from SHA1/6/30,
// with the algorithm in upper case; an HOTP URI always carries counter= (apps disagree on the
// default) and never period=. Pure functions, thread-safe.
#ifndef PAMTOTP_CORE_OTPAUTH_URI_H_
#define PAMTOTP_CORE_OTPAUTH_URI_H_

#include <string>
#include <string_view>

#include "core/device.h"
#include "core/otp.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp {

inline constexpr size_t kMaxUriLength = 2048;

struct OtpauthKey {
  std::string issuer;   // may be empty
  std::string account;  // the label's account part, e.g. "alice@host"
  SecretBytes secret;   // raw key bytes
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
  int digits = 6;
  int period = 30;                // TOTP only
  OtpType type = OtpType::kTotp;  // otpauth://totp/ or otpauth://hotp/
  uint64_t counter = 0;           // HOTP only: the counter= parameter
};

// Refuses issuer or account text holding characters that apps are known to mangle
// (':' '&' '#' '?' '+', control characters) and an empty account.
Result<SecretBytes> BuildOtpauthUri(const OtpauthKey& key);

// Parses an otpauth://totp/ or otpauth://hotp/ URI. Unknown parameters (image=, color=...) are
// ignored, and so are period= in an HOTP URI and counter= in a TOTP one; a repeated parameter,
// a missing or invalid secret, out-of-range digits/period, and an HOTP URI without a decimal
// counter= are refused. When the label prefix and the issuer parameter disagree, the parameter
// wins.
Result<OtpauthKey> ParseOtpauthUri(std::string_view uri);

// Percent-encoding of everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);
// Refuses malformed escapes and escapes that decode to NUL.
Result<std::string> PercentDecode(std::string_view text);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_OTPAUTH_URI_H_
