// The files and texts totpctl import reads, as pure functions over bytes: a key typed in hex,
// a google-authenticator file, a pam_oath users file, a CSV of hardware tokens, a serial-to-user
// map, and a PSKC (RFC 6030) key container.
//
// Every parser is strict: a line or element it does not understand is an error that names the
// line (or token) and what to fix, never something skipped in silence, because a half-read
// token file means users who cannot log in. Secrets go into SecretBytes only; the input is
// expected in a SecretBytes too, and the parsers copy no key material into a std::string.
#ifndef PAMTOTP_SETUP_TOOL_IMPORT_FORMATS_H_
#define PAMTOTP_SETUP_TOOL_IMPORT_FORMATS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/device.h"
#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp::totpctl {

inline constexpr size_t kMaxImportFileSize = 1024 * 1024;

// One token read from a source. device.id, device.name and device.created are filled in later.
struct ImportedToken {
  std::string user;           // whose token; empty: not assigned (PSKC without a user)
  std::string name;           // the device name the source asks for; empty: the default
  std::string serial;         // the token's serial number, if the source has one
  std::string origin;         // where it was found, for messages: "line 3", "token 1234"
  std::string warning;        // what could not be carried over, to tell when it is imported
  bool default_name = false;  // named "imported": the first free "imported-N" is taken
  Device device;
};

// A google-authenticator file (~/.google_authenticator).
struct GoogleAuthenticatorFile {
  ImportedToken token;                            // TOTP, or HOTP with HOTP_COUNTER
  std::vector<SecretBytes> scratch_codes;         // 8 digits each, duplicates dropped
  int window_size = 3;                            // WINDOW_SIZE: codes accepted at a time
  std::optional<std::pair<int, int>> rate_limit;  // RATE_LIMIT: logins, seconds
  bool disallow_reuse = false;
};

// Hex digits, upper or lower case; spaces and ':' between them are ignored.
Result<SecretBytes> HexDecode(std::string_view text);
// Base64 (RFC 4648 section 4) with '=' padding; whitespace is ignored.
Result<SecretBytes> Base64Decode(std::string_view text);

// First line: the base32 secret; then option lines starting with '"' (RATE_LIMIT,
// WINDOW_SIZE, DISALLOW_REUSE, TOTP_AUTH, HOTP_COUNTER, STEP_SIZE, TIME_SKEW,
// RESETTING_TIME_SKEW); then 8-digit scratch codes, one a line.
Result<GoogleAuthenticatorFile> ParseGoogleAuthenticatorFile(std::string_view text);

// Lines "TYPE USER PASSWORD HEXKEY [COUNTER [LASTOTP [TIME]]]" separated by whitespace; TYPE
// is HOTP, HOTP/E, HOTP/E/6..8 (counter-based) or HOTP/T30, HOTP/T60, optionally with /6..8
// (time-based). '#' starts a comment line. A PIN (a PASSWORD other than "-" or "+") cannot
// be carried over and is named in the token's warning.
Result<std::vector<ImportedToken>> ParsePamOathUsersFile(std::string_view text);

// Lines "user,name,hexkey[,algorithm,digits,period]" (TOTP) or
// "user,name,hexkey,hotp,counter[,digits]" (HOTP); an empty name asks for the default. A first
// line starting "user," is a header; '#' starts a comment line. No quoting.
Result<std::vector<ImportedToken>> ParseTokenCsv(std::string_view text);

// Lines "serial,user" (a header "serial,user" and '#' comments allowed).
Result<std::vector<std::pair<std::string, std::string>>> ParseSerialMap(std::string_view text);

// A PSKC KeyContainer (RFC 6030) with plain keys: per KeyPackage, DeviceInfo/SerialNo (else the
// Key Id) as serial, the Key's Algorithm (pskc:hotp or pskc:totp), AlgorithmParameters/Suite
// (HMAC-SHA1/256/512) and ResponseFormat Length, Data/Secret/PlainValue, Counter, TimeInterval,
// and UserId (Key, else DeviceInfo) as user. Encrypted values, DTDs and a Time (T0) other than
// 0 are refused.
Result<std::vector<ImportedToken>> ParsePskc(std::string_view text);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_IMPORT_FORMATS_H_
