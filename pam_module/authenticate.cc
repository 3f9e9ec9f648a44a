#include "pam_module/authenticate.h"

#include <security/pam_ext.h>
#include <syslog.h>

#include <ctime>
#include <memory>
#include <string>

#include "core/store.h"
#include "core/store_path.h"
#include "core/verifier.h"
#include "pam_module/code_input.h"
#include "pam_module/log.h"
#include "pam_module/membership.h"
#include "pam_module/options.h"
#include "pam_module/user_store.h"

namespace pamtotp::pam {
namespace {

Decision Judge(const Attempt& attempt, const Outcome& outcome) {
  switch (outcome.verdict) {
    case Verdict::kAccepted:
      attempt.Log(LOG_NOTICE, "code accepted from device '" + Printable(outcome.device_name) +
                                  "' (step offset " + std::to_string(outcome.offset) + ")");
      return Decision::kAllow;
    case Verdict::kWrongCode:
      attempt.Log(LOG_WARNING,
                  "wrong code; " + std::to_string(outcome.failures) + " consecutive failure(s)");
      return Decision::kDeny;
    case Verdict::kReplayed:
      attempt.Log(LOG_WARNING, "code already used on device '" + Printable(outcome.device_name) +
                                   "'; replay refused; " + std::to_string(outcome.failures) +
                                   " consecutive failure(s)");
      return Decision::kDeny;
    case Verdict::kNoDevices:
      attempt.Log(LOG_WARNING, "no device enrolled; denied");
      return Decision::kDeny;
  }
  return Decision::kDeny;
}

// The user name from PAM, refused before any path is built from it if it is hostile.
Decision GetUser(pam_handle_t* pamh, std::string& user) {
  const char* name = nullptr;
  int rc = pam_get_user(pamh, &name, nullptr);
  if (rc == PAM_CONV_ERR) return Decision::kConversationError;
  if (rc != PAM_SUCCESS || name == nullptr) {
    pam_syslog(pamh, LOG_ERR, "cannot get the user name: %s", pam_strerror(pamh, rc));
    return Decision::kDeny;
  }
  user = name;
  if (Status s = ValidateUserName(user); !s.ok()) {
    Attempt(pamh, user).Log(LOG_ERR, "refusing the user name: " + s.message());
    return Decision::kDeny;
  }
  return Decision::kAllow;
}

// Asks for the code and checks it against the store.
Decision CheckCode(const Attempt& attempt, const Options& options, Store& store) {
  SecretBytes input;
  if (Decision d = ObtainCode(attempt, options, input); d != Decision::kAllow) {
    attempt.Log(LOG_WARNING, "could not get the code; denied");
    return d;
  }
  const int64_t now = std::time(nullptr);
  Result<SecretBytes> code = NormalizeCode(input.view());
  input.Clear();
  if (!code.ok()) {
    if (Status s = RecordFailure(store, attempt.user(), now); !s.ok()) {
      attempt.Log(LOG_ERR, "store error: " + s.message());
    }
    attempt.Log(LOG_WARNING, "malformed code (" + code.status().message() + "); denied");
    return Decision::kDeny;
  }
  Result<Outcome> outcome = VerifyCode(store, attempt.user(), *code, now, options.config.window);
  if (!outcome.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + outcome.status().message());
    return Decision::kDeny;
  }
  return Judge(attempt, *outcome);
}

}  // namespace

Decision Authenticate(pam_handle_t* pamh, int /*flags*/, int argc, const char** argv) {
  Result<Options> options = ParseOptions(argc, argv);
  if (!options.ok()) {
    pam_syslog(pamh, LOG_ERR, "configuration error, failing closed: %s",
               options.status().message().c_str());
    return Decision::kServiceError;
  }
  std::string user;
  if (Decision d = GetUser(pamh, user); d != Decision::kAllow) return d;
  Attempt attempt(pamh, user);

  Result<bool> must = MustGiveCode(attempt, *options);
  if (!must.ok()) {
    attempt.Log(LOG_ERR,
                "cannot tell whether a code is required, denied: " + must.status().message());
    return Decision::kDeny;
  }
  if (!*must) return Decision::kIgnore;  // MustGiveCode logged why

  Result<std::unique_ptr<Store>> store = OpenUserStore(attempt, *options);
  if (!store.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + store.status().message());
    return Decision::kDeny;
  }
  Result<std::vector<Device>> devices = (*store)->ReadDevices(user);
  if (!devices.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + devices.status().message());
    return Decision::kDeny;
  }
  if (devices->empty() && options->nullok) {
    attempt.Log(LOG_INFO, "no device enrolled; nullok, so this module is ignored");
    return Decision::kIgnore;
  }
  devices->clear();  // the secrets are read again, under the lock, by VerifyCode
  if (options->debug) {
    attempt.Log(LOG_DEBUG, "window " + std::to_string(options->config.window) + ", store " +
                               (*store)->Describe(user));
  }
  // Users without a device are asked too, so a prompt does not tell who is enrolled.
  return CheckCode(attempt, *options, **store);
}

}  // namespace pamtotp::pam
