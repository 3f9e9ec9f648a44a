// totpctl-helper: the privileged step of totpctl's self-service (totpctl(1), SELF-SERVICE).
// Installed setuid root; run by totpctl for a user who is not root when the store belongs to
// root. It reads one request on standard input, acts for the user who ran it and nobody else,
// writes one reply on standard output, and logs what it did to the authpriv facility.
#include <syslog.h>
#include <unistd.h>

#include <ctime>
#include <exception>
#include <string>

#include "core/config.h"
#include "core/store.h"
#include "core/store_open.h"
#include "core/store_path.h"
#include "setup_tool/helper/process.h"
#include "setup_tool/helper/protocol.h"
#include "setup_tool/helper/serve.h"

namespace pamtotp::helper {
namespace {

constexpr unsigned kRequestTimeout = 10;  // seconds: totpctl writes the request at once

int Refuse(int exit_code, const std::string& message) {
  Message reply;
  reply.verb = "error";
  reply.error = message;
  (void)WriteReply(SerializeReply(reply).view());
  return exit_code;
}

void Log(int priority, const std::string& user, const std::string& line) {
  openlog("totpctl-helper", LOG_PID, LOG_AUTHPRIV);
  syslog(priority, "user '%s': %s", user.c_str(), line.c_str());
  closelog();
}

int Run(int argc) {
  Result<uid_t> caller = DropCallerControl();
  if (!caller.ok()) return Refuse(kHelperRefused, caller.status().message());
  if (argc != 1 || isatty(STDIN_FILENO) == 1) {
    constexpr std::string_view kHint =
        "totpctl-helper is run by totpctl, not by hand; see SELF-SERVICE in totpctl(1)\n";
    (void)!write(STDERR_FILENO, kHint.data(), kHint.size());
    return kHelperBadRequest;
  }
  Result<SecretBytes> text = ReadRequest(kMaxRequestSize, kRequestTimeout);
  if (!text.ok()) return Refuse(kHelperBadRequest, text.status().message());
  Result<Message> request = ParseRequest(text->view());
  if (!request.ok()) return Refuse(kHelperBadRequest, request.status().message());
  Result<std::string> user = UserNameOf(*caller);
  if (!user.ok()) return Refuse(kHelperRefused, user.status().message());

  Config config;
  if (Status s = LoadConfigFile(std::string(kDefaultConfigPath), false, config); !s.ok()) {
    return Refuse(kHelperRefused, s.message() + "; ask your administrator to fix it");
  }
  if (TemplateUsesHome(config.store)) {
    return Refuse(kHelperRefused, "your devices are in your home directory (store = " +
                                      config.store + "); totpctl manages them without the helper");
  }
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(config, *user);
  if (!store.ok()) return Refuse(kHelperRefused, store.status().message());

  std::string summary;
  Message reply = Serve(*request, *user, config, **store, std::time(nullptr), summary);
  if (request->verb != "status") {
    Log(reply.verb == "ok" ? LOG_NOTICE : LOG_WARNING, *user, summary);
  }
  if (Status s = WriteReply(SerializeReply(reply).view()); !s.ok()) return kHelperRefused;
  return reply.verb == "ok" ? kHelperOk : kHelperRefused;
}

}  // namespace
}  // namespace pamtotp::helper

int main(int argc, char**) {
  if (!pamtotp::helper::SecureDescriptors()) return pamtotp::helper::kHelperBadRequest;
  try {
    return pamtotp::helper::Run(argc);
  } catch (const std::exception& e) {
    return pamtotp::helper::Refuse(pamtotp::helper::kHelperRefused,
                                   std::string("unexpected error: ") + e.what());
  } catch (...) {
    return pamtotp::helper::Refuse(pamtotp::helper::kHelperRefused, "unexpected error");
  }
}
