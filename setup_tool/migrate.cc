// totpctl migrate (migrate.h): per user, one read of the source, then one EditDevices and one
// UpdateState on the target.
#include "setup_tool/migrate.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <utility>

#include "core/config.h"
#include "core/device.h"
#include "core/safe_file.h"
#include "core/store.h"
#include "core/store_open.h"
#include "core/store_path.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

constexpr std::string_view kMigrateHelp =
    "Usage: totpctl migrate --from TEMPLATE [--dry-run] [USER...]\n"
    "       totpctl migrate --to TEMPLATE [--dry-run] USER...\n"
    "\n"
    "Copies users' enrollments between a file store and the configured store (store in\n"
    "pam_totp.conf, or --store): with store = ldap, from files into the directory and back.\n"
    "Copies the devices with their secrets, the recovery codes and the login state (the codes\n"
    "and counters already used, failed attempts); the source is never changed, and a user\n"
    "already enrolled in the target is left alone. Root only.\n"
    "\n"
    "  --from TEMPLATE    copy from the files at TEMPLATE, such as /var/lib/pam_totp/%u.totp,\n"
    "                     into the configured store\n"
    "  --to TEMPLATE      copy from the configured store into files at TEMPLATE\n"
    "  --dry-run          say what would be copied, and write nothing\n"
    "  USER...            the users to copy. Without them, --from copies every user with a\n"
    "                     file in TEMPLATE's directory, and --to every user of a configured\n"
    "                     file store (a directory server cannot be listed: name the users)\n"
    "\n"
    "Exit status 1 if a user could not be copied or was enrolled in the target already.\n"
    "\n";

Status Usage(std::string message) { return Status::InvalidArgument(std::move(message)); }

// A listable template: its directory, and its file name's text around "%u" ("%%" undone).
struct ListableTemplate {
  std::string dir;
  std::string prefix;
  std::string suffix;
};

// `t` is a valid template (ValidateStoreTemplate), so each '%' has a letter after it.
Result<ListableTemplate> SplitForListing(std::string_view t) {
  const std::string cannot = "cannot list the users of " + std::string(t) + ": ";
  if (TemplateUsesHome(t)) {
    return Usage(cannot + "each user's files are in their own home directory; name the users");
  }
  const size_t slash = t.rfind('/');
  ListableTemplate parts;
  int users = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (i == slash) continue;
    if (t[i] == '%' && t[i + 1] == 'u') {
      if (i < slash || users > 0) {
        return Usage(cannot + "%u must be in the file name, once (as in " +
                     std::string(kDefaultStoreTemplate) + "); name the users");
      }
      ++users;
      ++i;
      continue;
    }
    std::string& part = i < slash ? parts.dir : users == 0 ? parts.prefix : parts.suffix;
    if (t[i] == '%') ++i;  // "%%" stands for '%'
    part += t[i];
  }
  if (parts.dir.empty()) parts.dir = "/";
  return parts;
}

// One user's store of one side. A store that serves every user (files outside home
// directories, the directory server) is opened once; a "~/" store, once per user.
class StoreOpener {
 public:
  using Open = std::function<Result<std::unique_ptr<Store>>(std::string_view user)>;
  StoreOpener(Open open, bool per_user) : open_(std::move(open)), per_user_(per_user) {}

  // Opens a store that serves every user now (`user` is any of them), so that a server that
  // is down stops the run once instead of failing each user.
  Status OpenShared(std::string_view user) { return per_user_ ? Status::Ok() : Reopen(user); }

  Result<Store*> For(std::string_view user) {
    if (per_user_ || store_ == nullptr) {
      if (Status s = Reopen(user); !s.ok()) return s;
    }
    return store_.get();
  }

 private:
  Status Reopen(std::string_view user) {
    Result<std::unique_ptr<Store>> store = open_(user);
    if (!store.ok()) return store.status();
    store_ = std::move(store).value();
    return Status::Ok();
  }

  Open open_;
  bool per_user_;
  std::unique_ptr<Store> store_;
};

// A temporary file that a writer will rename over a devices file: its name, ".tmp." and 16 hex
// digits (ReplaceFileAtomically). State files need no such test: the template's suffix is
// never the end of a state file's name (ValidateStoreTemplate).
bool IsTemporaryFile(std::string_view name, std::string_view suffix) {
  const size_t at = name.rfind(".tmp.");
  return at != std::string_view::npos && IsDeviceId(name.substr(at + 5)) &&
         name.substr(0, at).ends_with(suffix);
}

enum class Copy { kCopied, kNotEnrolled, kFailed };

// "2 devices, recovery codes, login state"
std::string Contents(const Enrollment& e) {
  const size_t n = e.devices.size();
  std::string text = n == 0 ? "no devices" : std::to_string(n) + (n == 1 ? " device" : " devices");
  if (e.recovery) text += ", recovery codes";
  return text + ", login state";
}

// The devices were copied but their login state could not follow. Without it, codes already
// used at the source would work again at the target, so the copy is taken back.
std::string TakeBack(Store& to, const std::string& user, const Enrollment& copied,
                     const Status& why) {
  Status undone = to.EditDevices(user, [&](Enrollment& e) {
    auto same_id = [](const Device& a, const Device& b) { return a.id == b.id; };
    if (!std::equal(e.devices.begin(), e.devices.end(), copied.devices.begin(),
                    copied.devices.end(), same_id)) {
      return Status::AlreadyExists("they were changed meanwhile");
    }
    e = Enrollment();
    return Status::Ok();
  });
  const std::string message = "the login state could not be copied (" + why.message() + ")";
  if (undone.ok()) return message + ", so the devices were removed from the target again";
  return message + " and the devices copied could not be removed (" + undone.message() +
         "); remove them from " + to.Describe(user) + " before anyone logs in with it";
}

Copy CopyUser(const std::string& user, Store& from, Store& to, bool dry_run) {
  auto failed = [&](const std::string& message) {
    Fail(kExitFailed, user + ": " + message);
    return Copy::kFailed;
  };
  auto report = [&](const std::string& line, Copy outcome) {
    Status written = WriteOut(user + ": " + line + "\n");
    return written.ok() ? outcome : failed(written.message());
  };
  Enrollment enrollment;
  UserState state;
  if (Status s = from.ReadState(user, enrollment, state); !s.ok()) return failed(s.message());
  if (enrollment.devices.empty() && !enrollment.recovery) {
    return report("not enrolled in " + from.Describe(user) + "; nothing to copy",
                  Copy::kNotEnrolled);
  }
  const std::string enrolled =
      "already enrolled in the target (" + to.Describe(user) + "); remove the devices there first";
  Result<Enrollment> existing = to.ReadDevices(user);
  if (!existing.ok()) return failed(existing.status().message());
  if (!existing->devices.empty()) return failed(enrolled);
  if (dry_run) {
    return report(Contents(enrollment) + " would be copied to " + to.Describe(user), Copy::kCopied);
  }
  // Both callbacks may run again after a concurrent change: they copy, never move.
  Status s = to.EditDevices(user, [&](Enrollment& e) {
    if (!e.devices.empty()) return Status::AlreadyExists(enrolled);  // since the check above
    e = enrollment.Clone();
    return Status::Ok();
  });
  if (!s.ok()) return failed(s.message());
  s = to.UpdateState(user, [&](const Enrollment&, UserState& target) {
    target = state;
    return Status::Ok();
  });
  if (!s.ok()) return failed(TakeBack(to, user, enrollment, s));
  return report(Contents(enrollment) + " copied to " + to.Describe(user), Copy::kCopied);
}

Result<std::vector<std::string>> UsersToCopy(const Options::Migrate& m, const Config& config) {
  if (!m.users.empty()) return m.users;
  if (!m.to_files) return ListStoreUsers(m.files);
  if (config.UsesLdap())
    return Usage("name the users to copy: the configured store cannot be listed");
  return ListStoreUsers(config.store);
}

}  // namespace

bool IsMigrateOption(std::string_view name) {
  return name == "--from" || name == "--to" || name == "--dry-run";
}

Status ApplyMigrateOption(Options::Migrate& m, std::string_view name, std::string_view value) {
  if (name == "--dry-run") {
    m.dry_run = true;
    return Status::Ok();
  }
  if (!m.files.empty()) return Usage("give --from or --to, not both: migrate copies one way");
  if (value == kLdapStore) {
    return Usage(std::string(name) +
                 " takes a file store's path template; the directory is the configured store "
                 "(store = ldap in pam_totp.conf)");
  }
  if (Status s = ValidateStoreTemplate(value); !s.ok()) {
    return Usage(std::string(name) + ": " + s.message());
  }
  m.files = std::string(value);
  m.to_files = name == "--to";
  return Status::Ok();
}

Status CheckMigrateOptions(Options& o, const std::vector<std::string_view>& seen,
                           const std::vector<std::string_view>& operands) {
  if (std::find(seen.begin(), seen.end(), "--user") != seen.end()) {
    return Usage("--user does not apply to migrate; name the users to copy after the options");
  }
  if (o.migrate.files.empty()) {
    return Usage(
        "migrate needs --from TEMPLATE (files into the configured store) or --to TEMPLATE "
        "(the configured store into files)");
  }
  std::vector<std::string>& users = o.migrate.users;
  for (std::string_view user : operands) {
    if (Status s = ValidateUserName(user); !s.ok()) return Usage("USER: " + s.message());
    if (std::find(users.begin(), users.end(), user) != users.end()) {
      return Usage("the user " + std::string(user) + " is named twice");
    }
    users.emplace_back(user);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ListStoreUsers(const std::string& path_template) {
  if (Status s = ValidateStoreTemplate(path_template); !s.ok()) return s;
  Result<ListableTemplate> parts = SplitForListing(path_template);
  if (!parts.ok()) return parts.status();
  Result<UniqueFd> dir = OpenSafeDirectory(parts->dir, TrustedOwner::Root());
  if (!dir.ok()) return dir.status().WithContext("cannot list the users of " + path_template);
  const int fd = openat(dir->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::unique_ptr<DIR, int (*)(DIR*)> entries(fd >= 0 ? fdopendir(fd) : nullptr, closedir);
  if (entries == nullptr) {
    const int err = errno;
    if (fd >= 0) close(fd);
    return ErrnoStatus("cannot read the directory " + parts->dir, err);
  }
  const std::string& prefix = parts->prefix;
  const std::string& suffix = parts->suffix;
  std::vector<std::string> users;
  while (const struct dirent* entry = readdir(entries.get())) {
    const std::string_view name = entry->d_name;
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix) || IsTemporaryFile(name, suffix)) {
      continue;
    }
    std::string_view user = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (Status s = ValidateUserName(user); !s.ok()) {
      WriteErr("totpctl: skipping a file in " + parts->dir + " that names no user: " + s.message() +
               "\n");
      continue;
    }
    users.emplace_back(user);
  }
  std::sort(users.begin(), users.end());
  return users;
}

int RunMigrate(const Options& options) {
  if (getuid() != 0) {
    return Fail(kExitFailed,
                "migrate is for root only (it reads every user's secrets); run it with sudo");
  }
  Config config;
  const bool explicit_config = options.config_path.has_value();
  const std::string config_path =
      explicit_config ? *options.config_path : std::string(kDefaultConfigPath);
  if (Status s = LoadConfigFile(config_path, explicit_config, config); !s.ok()) {
    return Fail(kExitFailed, s.message());
  }
  if (options.store) config.store = *options.store;
  const Options::Migrate& m = options.migrate;
  if (config.store == m.files) {
    return Fail(kExitUsage, "the configured store is " + m.files +
                                " itself; name the other store with --store or --config");
  }
  Result<std::vector<std::string>> users = UsersToCopy(m, config);
  if (!users.ok()) {
    const bool usage = users.status().code() == Status::Code::kInvalidArgument;
    return Fail(usage ? kExitUsage : kExitFailed, users.status().message());
  }
  if (users->empty()) {
    const std::string& listed = m.to_files ? config.store : m.files;
    Status s = WriteOut("No users to copy: no file matches " + listed + ".\n");
    return s.ok() ? kExitOk : Fail(kExitFailed, s.message());
  }

  StoreOpener files([&](std::string_view user) { return OpenFileStoreForUser(m.files, user); },
                    TemplateUsesHome(m.files));
  StoreOpener configured([&](std::string_view user) { return OpenConfiguredStore(config, user); },
                         !config.UsesLdap() && TemplateUsesHome(config.store));
  StoreOpener& from = m.to_files ? configured : files;
  StoreOpener& to = m.to_files ? files : configured;
  for (StoreOpener* side : {&from, &to}) {
    if (Status s = side->OpenShared(users->front()); !s.ok()) return Fail(kExitFailed, s.message());
  }
  size_t copied = 0, not_enrolled = 0, failed = 0;
  for (const std::string& user : *users) {
    Result<Store*> source = from.For(user);
    Result<Store*> target = to.For(user);
    Copy outcome = Copy::kFailed;
    if (!source.ok() || !target.ok()) {
      Fail(kExitFailed, user + ": " + (source.ok() ? target : source).status().message());
    } else {
      outcome = CopyUser(user, **source, **target, m.dry_run);
    }
    if (outcome == Copy::kCopied) {
      ++copied;
    } else if (outcome == Copy::kNotEnrolled) {
      ++not_enrolled;
    } else {
      ++failed;
    }
  }
  if (users->size() > 1) {
    Status s = WriteOut(std::to_string(copied) + " of " + std::to_string(users->size()) +
                        (m.dry_run ? " users would be copied; " : " users copied; ") +
                        std::to_string(not_enrolled) + " not enrolled; " + std::to_string(failed) +
                        " failed.\n");
    if (!s.ok()) return Fail(kExitFailed, s.message());
  }
  return failed == 0 ? kExitOk : kExitFailed;
}

std::string MigrateHelp() { return std::string(kMigrateHelp); }

}  // namespace pamtotp::totpctl
