#include "setup_tool/context.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/store_open.h"
#include "core/store_path.h"
#include "setup_tool/self_service.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

// The name of the real uid (who ran the program, even under a setuid bit).
Result<std::string> CallingUserName() {
  const uid_t uid = getuid();
  std::vector<char> buffer(4096);
  for (;;) {
    struct passwd entry;
    struct passwd* found = nullptr;
    int err = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (err == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (err != 0) {
      return Status::IOError("cannot look up uid " + std::to_string(uid) + " in the user " +
                             "database: " + std::strerror(err));
    }
    if (found == nullptr) {
      return Status::NotFound("uid " + std::to_string(uid) + " has no entry in the user " +
                              "database; add one, or run as root with --user NAME");
    }
    return std::string(found->pw_name);
  }
}

}  // namespace

int StoreFailure(const Status& status) {
  std::string message = status.message();
  const std::string_view denied = std::strerror(EACCES);
  if (getuid() != 0 && message.size() >= denied.size() &&
      message.compare(message.size() - denied.size(), denied.size(), denied) == 0) {
    message +=
        " (the store belongs to root: run sudo totpctl --user NAME ...; a store in your "
        "home directory, such as --store '~/.pam_totp', needs no sudo)";
  }
  return Fail(kExitFailed, message);
}

int OpenContext(const Options& options, Context& context) {
  if (options.user && getuid() != 0) {
    return Fail(kExitUsage, "--user is for root only; run it with sudo");
  }
  const bool explicit_config = options.config_path.has_value();
  const std::string config_path =
      explicit_config ? *options.config_path : std::string(kDefaultConfigPath);
  if (Status s = LoadConfigFile(config_path, explicit_config, context.config); !s.ok()) {
    return Fail(kExitFailed, s.message());
  }
  if (options.store) context.config.store = *options.store;

  if (options.user) {
    context.user = *options.user;
  } else {
    Result<std::string> user = CallingUserName();
    if (!user.ok()) return Fail(kExitFailed, user.status().message());
    if (Status s = ValidateUserName(*user); !s.ok()) {
      return Fail(kExitFailed, "your user name cannot be used: " + s.message());
    }
    context.user = std::move(user).value();
  }

  if (UsesHelper(options, context.config)) {
    context.store = OpenHelperStore();
    context.via_helper = true;
    return kExitOk;
  }
  // A "~/" store is opened as its owner: root enrolling for bob writes bob's files as bob.
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(context.config, context.user);
  if (!store.ok()) return StoreFailure(store.status());
  context.store = std::move(store).value();
  return kExitOk;
}

}  // namespace pamtotp::totpctl
