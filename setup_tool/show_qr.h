// Showing a device to a person: the QR code (terminal and --qr-file), the key in groups of four,
// the otpauth URI and the settings. Used by enroll, by show-qr (a device moved to a new phone)
// and by import --show.
#ifndef PAMTOTP_SETUP_TOOL_SHOW_QR_H_
#define PAMTOTP_SETUP_TOOL_SHOW_QR_H_

#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/device.h"
#include "core/secret_bytes.h"
#include "core/status.h"
#include "setup_tool/args.h"
#include "setup_tool/context.h"

namespace pamtotp::totpctl {

// What the user copies into the app.
struct DeviceCard {
  std::string user;     // whose device it is
  std::string account;  // the account name shown in the app (--label, else the user)
  std::string issuer;   // shown with it
  SecretBytes key;      // base32, no spaces
  SecretBytes uri;
  uint64_t next_counter = 0;  // HOTP: the counter the token shows next
};

// --issuer, else the configured issuer, else the host name, checked with CheckIssuer. On
// failure prints why and returns kExitFailed.
int ChooseUriIssuer(const Options& options, const Config& config, std::string& issuer);

// The card of `device` for `user`; an HOTP URI carries `next_counter`.
Result<DeviceCard> MakeDeviceCard(const Device& device, const std::string& user,
                                  const std::string& issuer, uint64_t next_counter,
                                  const std::string& account = "");

// Appends the QR part of the text output to `out`: "Scan this QR code ..." with the drawing
// in options.qr's style and "Or add the account by hand:", or, with --qr none or when standard
// output is a terminal narrower than the drawing (a warning then goes to standard error),
// "Add this account to your authenticator app:". Writes options.qr_file if set and says so
// on standard error. Errors: the URI cannot be encoded, or the file cannot be written.
Status AppendQrSection(SecretBytes& out, const SecretBytes& uri, const Options& options);

// Writes options.qr_file, if set, and says so on standard error (for --json output).
Status WriteQrFileFor(const SecretBytes& uri, const Options& options);

// The whole text presentation on standard output (AppendQrSection, key, URI, issuer,
// account, settings).
Status ShowCardText(const Device& device, const DeviceCard& card, const Options& options);
// The same as one JSON object, secret and URI included; --qr-file is still honoured.
Status ShowCardJson(const Device& device, const DeviceCard& card, const Options& options);

// totpctl show-qr NAME: root, or the owner when allow_self_show is set.
int RunShowQr(const Options& options, Context& context);
std::string ShowQrHelp();

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_SHOW_QR_H_
