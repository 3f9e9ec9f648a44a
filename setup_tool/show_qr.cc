#include "setup_tool/show_qr.h"

#include <limits.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "core/base32.h"
#include "core/otpauth_uri.h"
#include "setup_tool/json.h"
#include "setup_tool/policy.h"
#include "setup_tool/qr.h"
#include "setup_tool/qr_file.h"
#include "setup_tool/self_service.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

// Columns of the terminal on standard output; 0 when it is not a terminal or does not say.
int TerminalColumns() {
  if (isatty(STDOUT_FILENO) != 1) return 0;
  struct winsize size = {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

std::string SettingsText(const Device& device, const DeviceCard& card) {
  std::string text = device.type == OtpType::kHotp ? "counter-based, " : "time-based, ";
  text += std::string(AlgorithmName(device.algorithm)) + ", " + std::to_string(device.digits) +
          " digits, ";
  if (device.type == OtpType::kHotp) {
    text += "next counter " + std::to_string(card.next_counter);
  } else {
    text += std::to_string(device.period) + " seconds";
  }
  return text;
}

}  // namespace

Status WriteQrFileFor(const SecretBytes& uri, const Options& options) {
  if (!options.qr_file) return Status::Ok();
  Result<QrMatrix> qr = EncodeQr(uri);
  if (!qr.ok()) return qr.status();
  if (Status s = WriteQrFile(*options.qr_file, *qr); !s.ok()) return s;
  WriteErr("The QR code is in " + *options.qr_file +
           "; it holds the secret key, so delete it once it is scanned.\n");
  return Status::Ok();
}

int ChooseUriIssuer(const Options& options, const Config& config, std::string& issuer) {
  if (options.issuer) {
    issuer = *options.issuer;  // checked by the parser
    return kExitOk;
  }
  if (!config.issuer.empty()) {
    if (Status s = CheckIssuer(config.issuer); !s.ok()) {
      return Fail(kExitFailed, "the configured issuer cannot be used: " + s.message() +
                                   "; fix issuer= in the configuration or pass --issuer");
    }
    issuer = config.issuer;
    return kExitOk;
  }
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    return Fail(kExitFailed, "cannot read this host's name; pass --issuer");
  }
  if (Status s = CheckIssuer(host); !s.ok()) {
    return Fail(kExitFailed, "the host name cannot be the issuer: " + s.message() +
                                 "; pass --issuer or set issuer= in the configuration");
  }
  issuer = host;
  return kExitOk;
}

Result<DeviceCard> MakeDeviceCard(const Device& device, const std::string& user,
                                  const std::string& issuer, uint64_t next_counter,
                                  const std::string& account) {
  DeviceCard card;
  card.user = user;
  card.account = account.empty() ? user : account;
  card.issuer = issuer;
  card.next_counter = next_counter;
  card.key = Base32Encode(device.secret.bytes());
  OtpauthKey key{issuer,        card.account,  device.secret.Clone(), device.algorithm,
                 device.digits, device.period, device.type,           next_counter};
  Result<SecretBytes> uri = BuildOtpauthUri(key);
  if (!uri.ok()) return uri.status().WithContext("cannot build the otpauth URI");
  card.uri = std::move(uri).value();
  return card;
}

Status AppendQrSection(SecretBytes& out, const SecretBytes& uri, const Options& options) {
  if (options.qr == QrMode::kNone) {
    if (Status s = WriteQrFileFor(uri, options); !s.ok()) return s;
    out.Append("Add this account to your authenticator app:\n");
    return Status::Ok();
  }
  Result<QrMatrix> qr = EncodeQr(uri);
  if (!qr.ok()) return qr.status();
  if (Status s = WriteQrFileFor(uri, options); !s.ok()) return s;
  const int columns = TerminalColumns();
  if (columns > 0 && QrColumns(*qr) > columns) {
    WriteErr("Warning: the QR code needs " + std::to_string(QrColumns(*qr)) +
             " columns but this terminal has " + std::to_string(columns) +
             ", so it is not shown: widen the window and run again, use --qr-file FILE.png, or "
             "type the key below into your app.\n");
    out.Append("Add this account to your authenticator app:\n");
    return Status::Ok();
  }
  out.Append("Scan this QR code with your authenticator app:\n\n");
  out.Append(DrawQr(*qr, options.qr));
  out.Append("\nOr add the account by hand:\n");
  return Status::Ok();
}

Status ShowCardText(const Device& device, const DeviceCard& card, const Options& options) {
  SecretBytes out;
  if (Status s = AppendQrSection(out, card.uri, options); !s.ok()) return s;
  out.Append("  Key:       ");
  for (size_t i = 0; i < card.key.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(static_cast<char>(card.key.data()[i]));
  }
  out.Append("\n  URI:       ");
  out.Append(card.uri);
  out.Append("\n  Issuer:    " + card.issuer + "\n  Account:   " + card.account +
             "\n  Settings:  " + SettingsText(device, card) + "\n\n");
  return WriteOut(out.view());
}

Status ShowCardJson(const Device& device, const DeviceCard& card, const Options& options) {
  if (Status s = WriteQrFileFor(card.uri, options); !s.ok()) return s;
  JsonWriter json;
  json.BeginObject();
  json.Key("user");
  json.String(card.user);
  json.Key("name");
  json.String(device.name);
  json.Key("id");
  json.String(device.id);
  json.Key("issuer");
  json.String(card.issuer);
  json.Key("type");
  json.String(device.type == OtpType::kHotp ? "hotp" : "totp");
  json.Key("algorithm");
  json.String(AlgorithmName(device.algorithm));
  json.Key("digits");
  json.Number(device.digits);
  if (device.type == OtpType::kHotp) {
    json.Key("counter");
    json.Number(static_cast<int64_t>(std::min<uint64_t>(card.next_counter, INT64_MAX)));
  } else {
    json.Key("period");
    json.Number(device.period);
  }
  json.Key("created");
  json.Number(device.created);
  json.Key("secret");
  json.String(card.key.view());
  json.Key("uri");
  json.String(card.uri.view());
  json.EndObject();
  return WriteOut(json.text().view());
}

int RunShowQr(const Options& options, Context& context) {
  if (int exit = CheckAllowed(context.config, SelfAction::kShow); exit != kExitOk) return exit;
  Enrollment enrollment;  // through the helper (self_service.h): without secrets
  UserState state;
  if (Status s = context.store->ReadState(context.user, enrollment, state); !s.ok()) {
    return StoreFailure(s);
  }
  const Device* found = FindDeviceByName(enrollment.devices, options.device);
  if (found == nullptr) {
    return Fail(kExitFailed,
                context.user + " has no device named '" + options.device + "' (see totpctl list)");
  }
  Device device = found->Clone();
  if (context.via_helper) {  // the helper checks the policy and an approval code
    Result<Device> shown = SelfServiceShow(options.device);
    if (!shown.ok()) return Fail(kExitFailed, shown.status().message());
    device = std::move(shown).value();
  }
  std::string issuer;
  if (int exit = ChooseUriIssuer(options, context.config, issuer); exit != kExitOk) return exit;
  uint64_t next = device.counter;
  if (const DeviceState* used = state.Find(device.id); used != nullptr) {
    next = std::max(next, used->last_step + 1);
  }
  Result<DeviceCard> card = MakeDeviceCard(device, context.user, issuer, next);
  if (!card.ok()) return Fail(kExitFailed, card.status().message());
  Status shown =
      options.json ? ShowCardJson(device, *card, options) : ShowCardText(device, *card, options);
  if (!shown.ok()) return Fail(kExitFailed, shown.message());
  WriteErr("This is the key device '" + device.name +
           "' already has: a phone that still holds it keeps making valid codes. If the old "
           "phone is lost, enroll a new device and remove this one instead.\n");
  return kExitOk;
}

std::string ShowQrHelp() {
  return "Usage: totpctl show-qr NAME [--qr utf8|utf8-inverted|ansi|none] [--qr-file FILE]\n"
         "                       [--issuer TEXT] [--json]\n"
         "\n"
         "Shows the QR code, key and otpauth:// URI of the existing device NAME again, to add\n"
         "it to a new phone. Root only, unless allow_self_show = yes in the configuration\n"
         "lets users show their own devices (after a code from one of them when the store\n"
         "belongs to root). An HOTP device's URI carries its next counter.\n"
         "\n"
         "  --qr STYLE         utf8 (default: light blocks, for dark terminals), utf8-inverted\n"
         "                     (dark blocks, for light terminals), ansi (colours, any\n"
         "                     terminal) or none\n"
         "  --qr-file FILE     also write the QR code to FILE, a new .png or .svg file (mode\n"
         "                     0600; it holds the key: delete it once scanned)\n"
         "  --issuer TEXT      the issuer in the URI (default: the configured issuer, else\n"
         "                     this host's name)\n"
         "  --json             print the device, secret and URI included, as JSON\n"
         "\n";
}

}  // namespace pamtotp::totpctl
