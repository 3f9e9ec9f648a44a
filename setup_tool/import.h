// totpctl import: devices that already exist elsewhere (an otpauth URI, a hardware token's
// seed, a google-authenticator file, a pam_oath users file, a CSV or PSKC batch of hardware
// tokens) become pam_totp devices, without a new key.
//
// Nothing is written unless every token to import is valid, and each user's devices are added
// in one store edit. Secrets are never printed unless --show asks for them. Key text given on
// the command line is visible to other users in the process list, so "-" reads it from
// standard input instead.
#ifndef PAMTOTP_SETUP_TOOL_IMPORT_H_
#define PAMTOTP_SETUP_TOOL_IMPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/secret_bytes.h"
#include "core/status.h"
#include "setup_tool/args.h"
#include "setup_tool/context.h"
#include "setup_tool/import_formats.h"

namespace pamtotp::totpctl {

// The least key size accepted: 80 bits (RFC 4226 asks for 128 and recommends 160).
inline constexpr size_t kMinImportKeyBytes = 10;
// Larger HOTP counters are refused, so counter arithmetic never overflows.
inline constexpr uint64_t kMaxImportCounter = uint64_t{1} << 62;

// True for the options only import takes (--uri, --base32, --hex, --hotp, --counter,
// --google-authenticator, --pam-oath, --csv, --pskc, --map, --all, --show).
bool IsImportOption(std::string_view name);
// Applies one of them (parsing only; no files are read).
Status ApplyImportOption(Options& o, std::string_view name, std::string_view value);
// What import needs once the whole command line is read: one source, and only the options that
// fit it. `seen` lists the options given.
Status CheckImportOptions(const Options& o, const std::vector<std::string_view>& seen);

// What a source yields, before tokens are chosen and named.
struct ImportBatch {
  std::vector<ImportedToken> tokens;
  std::vector<SecretBytes> scratch_codes;  // google-authenticator: to become recovery codes
  std::vector<std::string> notes;          // said on standard error before importing
  std::string source;                      // for messages: "the URI", "users.oath"
};

// Reads options' source (the file, the argument, or standard input for "-"). Tokens from a
// URI, a key or a google-authenticator file belong to `user`.
Result<ImportBatch> ReadImportSource(const Options& options, const std::string& user,
                                     const Config& config);

int RunImport(const Options& options, Context& context);
std::string ImportHelp();

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_IMPORT_H_
