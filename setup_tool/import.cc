// totpctl import: chooses the tokens for the user (or every user, with --all), names and checks
// them, then adds each user's devices in one store edit.
#include "setup_tool/import.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "core/random.h"
#include "core/recovery.h"
#include "core/store_open.h"
#include "setup_tool/json.h"
#include "setup_tool/policy.h"
#include "setup_tool/show_qr.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

// One user's share of the import, and the store it goes to.
struct UserImport {
  std::string user;
  std::vector<ImportedToken> tokens;
  std::unique_ptr<Store> own_store;  // for users other than the context's
  Store* store = nullptr;
};

std::string Describe(const Device& device) {
  std::string text = device.type == OtpType::kHotp ? "counter-based, " : "time-based, ";
  text += std::string(AlgorithmName(device.algorithm)) + ", " + std::to_string(device.digits) +
          " digits, ";
  return text + (device.type == OtpType::kHotp ? "next counter " + std::to_string(device.counter)
                                               : std::to_string(device.period) + " seconds");
}

// The tokens to import: the context user's, or every assigned one with --all.
Result<std::vector<ImportedToken>> Choose(ImportBatch& batch, const Options& options,
                                          const std::string& user) {
  std::vector<ImportedToken> chosen;
  size_t unassigned = 0;
  for (ImportedToken& token : batch.tokens) {
    if (token.user.empty()) ++unassigned;
    if (options.all ? !token.user.empty() : token.user == user) chosen.push_back(std::move(token));
  }
  if (options.all && unassigned > 0) {
    batch.notes.push_back(std::to_string(unassigned) + " token(s) in " + batch.source +
                          " have no user and were not imported (give them one with --map)");
  }
  if (chosen.empty()) {
    if (options.all) {
      return Status::NotFound("no token in " + batch.source +
                              " has a user; give users with --map FILE (serial,user lines)");
    }
    return Status::NotFound(batch.source + " has no token for " + user +
                            (getuid() == 0 ? " (--all imports every user's tokens)" : ""));
  }
  if (options.name && chosen.size() > 1) {
    return Status::InvalidArgument("--name names one device, but " + std::to_string(chosen.size()) +
                                   " are being imported; name them in the file instead");
  }
  return chosen;
}

constexpr std::string_view kDefaultName = "imported";

// --name, the name in the file, the serial, else "imported" (made unique when saving).
Status NameTokens(std::vector<ImportedToken>& tokens, const Options& options) {
  for (ImportedToken& token : tokens) {
    if (options.name) {
      token.device.name = *options.name;
    } else if (!token.name.empty()) {
      token.device.name = token.name;
    } else if (!token.serial.empty() && ValidateDeviceName(token.serial).ok()) {
      token.device.name = token.serial;
    } else {
      token.device.name = std::string(kDefaultName);
      token.default_name = true;
    }
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (tokens[j].user != tokens[i].user) continue;
      if (tokens[j].device.name == tokens[i].device.name && !tokens[i].default_name) {
        return Status::InvalidArgument(tokens[i].origin + ": " + tokens[j].origin +
                                       " has the same device name '" + tokens[i].device.name +
                                       "' for " + tokens[i].user);
      }
      if (ConstantTimeEquals(tokens[j].device.secret.view(), tokens[i].device.secret.view())) {
        return Status::InvalidArgument(tokens[i].origin + ": the same key as " + tokens[j].origin);
      }
    }
  }
  return Status::Ok();
}

// Key size, settings the store accepts, and the administrator's policy. Fills id and created.
Status CheckToken(ImportedToken& token, const Config& config, int64_t now) {
  Device& d = token.device;
  const std::string where = token.origin + ": ";
  if (d.secret.size() < kMinImportKeyBytes) {
    return Status::InvalidArgument(where + "the key is " + std::to_string(d.secret.size() * 8) +
                                   " bits; pam_totp needs at least 80 (RFC 4226 asks for 128)");
  }
  if (d.type == OtpType::kHotp && d.counter > kMaxImportCounter) {
    return Status::InvalidArgument(where + "the counter is larger than 2^62");
  }
  Result<std::string> id = GenerateDeviceId();
  if (!id.ok()) return id.status();
  d.id = *id;
  d.created = now;
  if (Status s = ValidateDevice(d); !s.ok()) return Status::InvalidArgument(where + s.message());
  Status allowed = CheckDeviceSettings(config, d.type, d.algorithm, d.digits, d.period);
  if (!allowed.ok()) return allowed.WithContext(token.origin);
  return Status::Ok();
}

// Whether `tokens` fit next to what `enrollment` holds. Run on a read first and again under the
// store's lock, since another totpctl may have added devices in between.
Status Fits(const Enrollment& enrollment, const UserImport& share, const Config& config) {
  for (const ImportedToken& token : share.tokens) {
    const Device& d = token.device;
    if (!token.default_name && FindDeviceByName(enrollment.devices, d.name) != nullptr) {
      return Status::AlreadyExists(token.origin + ": a device named '" + d.name +
                                   "' already exists for " + share.user +
                                   "; pick another --name or remove it first");
    }
    for (const Device& old : enrollment.devices) {
      if (ConstantTimeEquals(old.secret.view(), d.secret.view())) {
        return Status::AlreadyExists(token.origin + ": this key is already enrolled for " +
                                     share.user + " as device '" + old.name + "'");
      }
    }
  }
  const size_t limit = std::min(kMaxDevices, static_cast<size_t>(config.max_devices));
  if (enrollment.devices.size() + share.tokens.size() > limit) {
    return Status::InvalidArgument(share.user + " has " +
                                   std::to_string(enrollment.devices.size()) + " devices; " +
                                   std::to_string(share.tokens.size()) +
                                   " more would pass the limit of " + std::to_string(limit));
  }
  return Status::Ok();
}

// Groups the tokens by user (first-seen order) and opens each user's store.
Result<std::vector<UserImport>> Group(std::vector<ImportedToken> tokens, Context& context) {
  std::vector<UserImport> shares;
  for (ImportedToken& token : tokens) {
    auto share = std::find_if(shares.begin(), shares.end(),
                              [&](const UserImport& s) { return s.user == token.user; });
    if (share == shares.end()) {
      shares.push_back(UserImport{token.user, {}, nullptr, nullptr});
      share = shares.end() - 1;
    }
    share->tokens.push_back(std::move(token));
  }
  for (UserImport& share : shares) {
    if (share.user == context.user) {
      share.store = context.store.get();
      continue;
    }
    Result<std::unique_ptr<Store>> store = OpenConfiguredStore(context.config, share.user);
    if (!store.ok()) return store.status();
    share.own_store = std::move(store).value();
    share.store = share.own_store.get();
  }
  return shares;
}

// Gives tokens without a chosen name the first free of "imported", "imported-2", ...
void PickDefaultNames(const Enrollment& enrollment, UserImport& share) {
  std::vector<std::string> taken;
  for (const Device& d : enrollment.devices) taken.push_back(d.name);
  for (const ImportedToken& token : share.tokens) {
    if (!token.default_name) taken.push_back(token.device.name);
  }
  size_t n = 1;
  for (ImportedToken& token : share.tokens) {
    if (!token.default_name) continue;
    std::string name;
    do {
      name =
          n == 1 ? std::string(kDefaultName) : std::string(kDefaultName) + "-" + std::to_string(n);
      ++n;
    } while (std::find(taken.begin(), taken.end(), name) != taken.end());
    token.device.name = name;
  }
}

Status Save(UserImport& share, const std::optional<RecoverySet>& recovery, const Config& config,
            bool& replaced_recovery) {
  return share.store->EditDevices(share.user, [&](Enrollment& enrollment) {
    if (Status s = Fits(enrollment, share, config); !s.ok()) return s;
    PickDefaultNames(enrollment, share);
    for (const ImportedToken& token : share.tokens) {
      enrollment.devices.push_back(token.device.Clone());
    }
    if (recovery) {
      replaced_recovery = enrollment.recovery.has_value();
      enrollment.recovery = *recovery;
    }
    return Status::Ok();
  });
}

Status Report(const Options& options, const std::vector<UserImport>& shares, size_t scratch,
              bool replaced) {
  if (options.json) {
    JsonWriter json;
    json.BeginObject();
    json.Key("imported");
    json.BeginArray();
    for (const UserImport& share : shares) {
      for (const ImportedToken& token : share.tokens) {
        const Device& d = token.device;
        json.BeginObject();
        for (auto [key, value] :
             {std::pair{"user", share.user}, std::pair{"name", d.name}, std::pair{"id", d.id},
              std::pair{"serial", token.serial},
              std::pair{"type", std::string(d.type == OtpType::kHotp ? "hotp" : "totp")},
              std::pair{"algorithm", std::string(AlgorithmName(d.algorithm))}}) {
          json.Key(key);
          json.String(value);
        }
        json.Key("digits");
        json.Number(d.digits);
        json.Key(d.type == OtpType::kHotp ? "counter" : "period");
        json.Number(d.type == OtpType::kHotp ? static_cast<int64_t>(d.counter) : d.period);
        json.EndObject();
      }
    }
    json.EndArray();
    json.Key("recovery_codes");
    json.Number(static_cast<int64_t>(scratch));
    json.EndObject();
    return WriteOut(json.text().view());
  }
  std::string out;
  for (const UserImport& share : shares) {
    for (const ImportedToken& token : share.tokens) {
      out += "Imported device '" + token.device.name + "' for " + share.user + " (" +
             Describe(token.device) + ").\n";
    }
  }
  if (scratch > 0) {
    out += "Imported " + std::to_string(scratch) + " scratch codes as " + shares[0].user +
           "'s recovery codes; each logs in once. Eight digits are weaker than pam_totp's own "
           "codes: make new ones with totpctl recovery-codes when you can.\n";
    if (replaced) out += shares[0].user + "'s earlier recovery codes no longer work.\n";
  }
  return WriteOut(out);
}

// --show: the one imported device's key and QR code, as enroll shows them.
int ShowImported(const Options& options, Context& context, const ImportedToken& token) {
  std::string issuer;
  if (int exit = ChooseUriIssuer(options, context.config, issuer); exit != kExitOk) return exit;
  Result<DeviceCard> card = MakeDeviceCard(token.device, token.user, issuer, token.device.counter);
  if (!card.ok()) return Fail(kExitFailed, card.status().message());
  Status shown = options.json ? ShowCardJson(token.device, *card, options)
                              : ShowCardText(token.device, *card, options);
  return shown.ok() ? kExitOk : Fail(kExitFailed, shown.message());
}

}  // namespace

int RunImport(const Options& options, Context& context) {
  const bool root = getuid() == 0;
  if (options.all && !root) return Fail(kExitUsage, "--all is for root only; run it with sudo");
  if (int exit = CheckAllowed(context.config, SelfAction::kEnroll); exit != kExitOk) return exit;
  if (context.via_helper) {
    return Fail(kExitFailed,
                "the store belongs to root, so importing needs root: ask your "
                "administrator to run sudo totpctl --user " +
                    context.user + " import ...");
  }
  Result<ImportBatch> batch = ReadImportSource(options, context.user, context.config);
  if (!batch.ok()) return Fail(kExitFailed, batch.status().message());
  Result<std::vector<ImportedToken>> chosen = Choose(*batch, options, context.user);
  if (!chosen.ok()) return Fail(kExitFailed, chosen.status().message());
  for (const std::string& note : batch->notes) WriteErr("Note: " + note + ".\n");
  if (Status s = NameTokens(*chosen, options); !s.ok()) return Fail(kExitFailed, s.message());
  const int64_t now = std::time(nullptr);
  for (ImportedToken& token : *chosen) {
    if (Status s = CheckToken(token, context.config, now); !s.ok()) {
      return Fail(kExitFailed, s.message() + "; nothing was imported");
    }
  }
  std::optional<RecoverySet> recovery;
  if (!batch->scratch_codes.empty()) {
    Result<RecoverySet> set = HashRecoveryCodes(batch->scratch_codes, now);
    if (!set.ok()) return Fail(kExitFailed, set.status().WithContext(batch->source).message());
    recovery = std::move(set).value();
  }
  Result<std::vector<UserImport>> shares = Group(std::move(chosen).value(), context);
  if (!shares.ok()) return StoreFailure(shares.status());
  for (const UserImport& share : *shares) {  // all or nothing, as far as a read can tell
    Result<Enrollment> enrolled = share.store->ReadDevices(share.user);
    if (!enrolled.ok()) return StoreFailure(enrolled.status());
    if (Status s = Fits(*enrolled, share, context.config); !s.ok()) {
      return Fail(kExitFailed, s.message() + "; nothing was imported");
    }
  }
  bool replaced = false;
  for (UserImport& share : *shares) {
    if (Status s = Save(share, recovery, context.config, replaced); !s.ok()) return StoreFailure(s);
  }
  for (const UserImport& share : *shares) {
    for (const ImportedToken& token : share.tokens) {
      if (!token.warning.empty())
        WriteErr("Warning: " + token.origin + ": " + token.warning + ".\n");
    }
  }
  if (!options.show || !options.json) {
    Status reported = Report(options, *shares, recovery ? recovery->hashes.size() : 0, replaced);
    if (!reported.ok()) return Fail(kExitFailed, reported.message());
  }
  return options.show ? ShowImported(options, context, (*shares)[0].tokens[0]) : kExitOk;
}

std::string ImportHelp() {
  return "Usage: totpctl import SOURCE [--name NAME] [--show [--qr STYLE] [--qr-file FILE]\n"
         "                      [--issuer TEXT]] [--json]\n"
         "\n"
         "Adds a device whose key already exists: moved from another system, or a hardware\n"
         "token. The key is checked (80 bits at least) and never printed unless --show asks.\n"
         "A key or URI on the command line is visible to other users in the process list:\n"
         "give - instead to read it from standard input.\n"
         "\n"
         "Sources (exactly one):\n"
         "  --uri URI          an otpauth://totp/ or otpauth://hotp/ URI\n"
         "  --base32 KEY, --hex KEY\n"
         "                     a token's seed: time-based with [--algorithm sha1|sha256|\n"
         "                     sha512] [--digits 6|8] [--period 30|60], or counter-based\n"
         "                     with --hotp --counter N (N: the counter it shows next)\n"
         "  --google-authenticator FILE\n"
         "                     a ~/.google_authenticator file: its key becomes a device (TOTP\n"
         "                     or HOTP), its scratch codes the user's recovery codes\n"
         "  --pam-oath FILE    a pam_oath users file (e.g. /etc/users.oath)\n"
         "  --csv FILE         hardware tokens, one a line: user,name,hexkey[,algorithm,digits,\n"
         "                     period] or user,name,hexkey,hotp,counter[,digits]\n"
         "  --pskc FILE        an RFC 6030 PSKC file with plain (unencrypted) keys\n"
         "\n"
         "  --map FILE         with --pskc: serial,user lines assigning tokens to users (else\n"
         "                     each KeyPackage's UserId)\n"
         "  --all              with --pam-oath, --csv, --pskc: every user's tokens (root only);\n"
         "                     without it only the user's own (--user NAME, else yours)\n"
         "  --name NAME        device name (default: the name or serial in the file, else\n"
         "                     imported, imported-2, ...)\n"
         "  --show             afterwards show the key, URI and QR code, as enroll does\n"
         "  --json             print what was imported as JSON\n"
         "\n";
}

}  // namespace pamtotp::totpctl
