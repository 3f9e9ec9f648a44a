#include "pam_module/authenticate.h"

#include <security/pam_ext.h>
#include <syslog.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <string>

#include "core/store.h"
#include "core/store_path.h"
#include "core/verifier.h"
#include "pam_module/code_input.h"
#include "pam_module/first_login.h"
#include "pam_module/log.h"
#include "pam_module/membership.h"
#include "pam_module/options.h"
#include "pam_module/user_store.h"

namespace pamtotp::pam {
namespace {

std::string When(int64_t unix_seconds) {
  if (unix_seconds == 0) return "until an administrator runs totpctl unlock";
  char buf[32];
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm;
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(buf, sizeof buf, "until %Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return "until " + std::to_string(unix_seconds) + " (unix time)";
  }
  return buf;
}

std::string Failures(const Outcome& outcome) {
  return std::to_string(outcome.failures) + " consecutive failure(s)";
}

Decision Judge(const Attempt& attempt, const Outcome& outcome) {
  const std::string device = "device '" + Printable(outcome.device_name) + "'";
  switch (outcome.verdict) {
    case Verdict::kAccepted:
      attempt.Log(LOG_NOTICE, "code accepted from " + device + " (offset " +
                                  std::to_string(outcome.offset) + ")");
      return Decision::kAllow;
    case Verdict::kRecoveryAccepted:
      attempt.Log(LOG_NOTICE,
                  "recovery code accepted; " + std::to_string(outcome.recovery_left) + " left");
      return Decision::kAllow;
    case Verdict::kWrongCode:
      if (outcome.drift) {
        attempt.Log(LOG_WARNING, "wrong code, but it matches step offset " +
                                     std::to_string(*outcome.drift) + " of " + device +
                                     ": check the device's clock; " + Failures(outcome));
      } else {
        attempt.Log(LOG_WARNING, "wrong code; " + Failures(outcome));
      }
      return Decision::kDeny;
    case Verdict::kReplayed:
      attempt.Log(LOG_WARNING,
                  "code already used on " + device + "; replay refused; " + Failures(outcome));
      return Decision::kDeny;
    case Verdict::kMalformed:
      attempt.Log(LOG_WARNING, "malformed code (" + outcome.detail + "); " + Failures(outcome));
      return Decision::kDeny;
    case Verdict::kResyncNeeded:
      attempt.Log(LOG_WARNING, "HOTP " + device + " is " + std::to_string(outcome.offset) +
                                   " counters ahead; the next code will resynchronise it; " +
                                   Failures(outcome));
      return Decision::kDeny;
    case Verdict::kLocked:
      attempt.Log(LOG_WARNING, "locked out after " + Failures(outcome) + ", " +
                                   When(outcome.retry_at) + "; code not checked");
      return Decision::kDeny;
    case Verdict::kThrottled:
      attempt.Log(LOG_WARNING, "too soon after the last failure (backoff " +
                                   When(outcome.retry_at) + "); code not checked");
      return Decision::kDeny;
    case Verdict::kBeforeBoot:
      attempt.Log(LOG_WARNING, "code from " + device +
                                   " is for a time step that may have been used before the "
                                   "system started; wait for the next code");
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

// forward_pass: how long the code at the end of the answer is: the devices' digits when they
// all agree, else 6 (also for a user with no device, so the prompt tells nothing).
int CodeDigits(const std::vector<Device>& devices) {
  if (devices.empty()) return 6;
  for (const Device& d : devices) {
    if (d.digits != devices.front().digits) return 6;
  }
  return devices.front().digits;
}

// Asks for the code and checks it against the store. A backoff is waited out once, outside
// the lock, so a person typing slowly after a few mistakes is delayed rather than refused.
Decision CheckCode(const Attempt& attempt, const Options& options, Store& store, int code_digits) {
  SecretBytes input;
  if (Decision d = ObtainCode(attempt, options, input, code_digits); d != Decision::kAllow) {
    attempt.Log(LOG_WARNING, "could not get the code; denied");
    return d;
  }
  Result<Outcome> outcome =
      VerifyInput(store, attempt.user(), input.view(), SystemClock(), options.config);
  if (outcome.ok() && outcome->verdict == Verdict::kThrottled) {
    int64_t wait = outcome->retry_at - std::time(nullptr);
    if (wait > 0 && wait <= kMaxBackoff) sleep(static_cast<unsigned>(wait));
    outcome = VerifyInput(store, attempt.user(), input.view(), SystemClock(), options.config);
  }
  if (!outcome.ok()) {
    attempt.Log(LOG_ERR, "store error, denied: " + outcome.status().message());
    return StoreErrorDecision(outcome.status());
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
  if (options->enroll == EnrollMode::kFirstLogin && options->pass_mode == PassMode::kForwardPass) {
    // forward_pass would run the enrollment before the password module has checked anything.
    pam_syslog(pamh, LOG_ERR,
               "configuration error, failing closed: enroll=first_login cannot "
               "be combined with forward_pass");
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
    return StoreErrorDecision(store.status());
  }
  // The devices are read once, under the lock, after the prompt (VerifyInput), unless what to
  // do before it depends on them.
  int code_digits = 6;
  if (options->nullok || options->enroll == EnrollMode::kFirstLogin ||
      options->pass_mode == PassMode::kForwardPass) {
    Result<Enrollment> enrollment = (*store)->ReadDevices(user);
    if (!enrollment.ok()) {
      attempt.Log(LOG_ERR, "store error, denied: " + enrollment.status().message());
      return StoreErrorDecision(enrollment.status());
    }
    if (enrollment->devices.empty() && options->enroll == EnrollMode::kFirstLogin) {
      return EnrollOnFirstLogin(attempt, *options, **store);
    }
    if (enrollment->devices.empty() && options->nullok) {
      attempt.Log(LOG_INFO, "no device enrolled; nullok, so this module is ignored");
      return Decision::kIgnore;
    }
    code_digits = CodeDigits(enrollment->devices);
  }
  if (options->debug) {
    attempt.Log(LOG_DEBUG, "window " + std::to_string(options->config.window) + ", store " +
                               (*store)->Describe(user));
  }
  // Users without a device are asked too, so a prompt does not tell who is enrolled.
  return CheckCode(attempt, *options, **store, code_digits);
}

}  // namespace pamtotp::pam
