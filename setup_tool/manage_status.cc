// totpctl verify and totpctl status (manage.h).
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <string>

#include "core/verifier.h"
#include "setup_tool/json.h"
#include "setup_tool/manage.h"
#include "setup_tool/self_service.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

std::string When(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "never";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm;
  char text[32];
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm) == 0) {
    return "?";
  }
  return text;
}

std::string Plural(int64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string_view VerdictWord(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAccepted:
      return "accepted";
    case Verdict::kRecoveryAccepted:
      return "recovery_code_accepted";
    case Verdict::kWrongCode:
      return "wrong_code";
    case Verdict::kReplayed:
      return "already_used";
    case Verdict::kMalformed:
      return "malformed";
    case Verdict::kResyncNeeded:
      return "resync_needed";
    case Verdict::kLocked:
      return "locked_out";
    case Verdict::kThrottled:
      return "too_soon";
    case Verdict::kNoDevices:
      return "no_devices";
    case Verdict::kBeforeBoot:
      return "before_boot";
  }
  return "?";
}

// "2 steps ahead", "1 step behind": where the matching code was, from the current step.
std::string StepsAway(int64_t offset) {
  return Plural(offset < 0 ? -offset : offset, "step") + (offset > 0 ? " ahead" : " behind");
}

// What a failed attempt leaves: how many more before the lockout.
std::string FailureTail(const Outcome& o, const Config& config) {
  const int64_t left = config.max_failures - static_cast<int64_t>(o.failures);
  std::string tail = " (" + Plural(o.failures, "failed attempt") + " in a row";
  if (left > 0) tail += "; " + std::to_string(left) + " more lock the account";
  return tail + ")";
}

// The outcome in words: the line printed, on standard output when accepted, else as the error.
std::string Describe(const Outcome& o, const Context& context, int64_t now) {
  const std::string& user = context.user;
  const std::string device = "'" + o.device_name + "'";
  switch (o.verdict) {
    case Verdict::kAccepted:
      return "Code accepted: it is device " + device + "'s code" +
             (o.offset == 0 ? "" : " (" + StepsAway(o.offset) + ")") +
             ". It is now used and will not log in again.";
    case Verdict::kRecoveryAccepted:
      return "Recovery code accepted; it is now used up (" + std::to_string(o.recovery_left) +
             " left).";
    case Verdict::kWrongCode:
      if (o.drift) {
        return "wrong code: it is device " + device + "'s code " + StepsAway(*o.drift) +
               ", so that device's clock is off; turn on automatic time on it" +
               FailureTail(o, context.config);
      }
      return "wrong code: it is no current code of " + user + "'s devices" +
             FailureTail(o, context.config);
    case Verdict::kReplayed:
      return "that code (device " + device + ") was used already; wait for the next one" +
             FailureTail(o, context.config);
    case Verdict::kMalformed:
      return o.detail + "; a code is 6 to 8 digits" + FailureTail(o, context.config);
    case Verdict::kResyncNeeded:
      return "device " + device + " is " + std::to_string(o.offset) +
             " codes ahead; enter its next code to bring it back in step";
    case Verdict::kLocked:
      return user + " is locked out after too many wrong codes " +
             (o.retry_at == 0 ? "until unlocked" : "until " + When(o.retry_at)) +
             "; root can run totpctl unlock --user " + user;
    case Verdict::kThrottled:
      return "too soon after a wrong code; try again in " +
             Plural(std::max<int64_t>(o.retry_at - now, 1), "second");
    case Verdict::kNoDevices:
      return user + " has no devices enrolled (see totpctl enroll)";
    case Verdict::kBeforeBoot:
      return "that code (device " + device +
             ") is for a time step a login before the system started may have used; wait for "
             "the next one";
  }
  return "?";
}

Status VerifyJson(const Outcome& o, const Context& context) {
  JsonWriter json;
  json.BeginObject();
  json.Key("user");
  json.String(context.user);
  json.Key("accepted");
  json.Bool(o.verdict == Verdict::kAccepted || o.verdict == Verdict::kRecoveryAccepted);
  json.Key("result");
  json.String(VerdictWord(o.verdict));
  json.Key("device");
  if (o.verdict == Verdict::kRecoveryAccepted || o.device_name.empty()) {
    json.Null();
  } else {
    json.String(o.device_name);
  }
  json.Key("offset");
  json.Number(o.offset);
  json.Key("failures");
  json.Number(o.failures);
  json.Key("drift");
  o.drift ? json.Number(*o.drift) : json.Null();
  json.Key("retry_at");
  o.retry_at > 0 ? json.Number(o.retry_at) : json.Null();
  json.EndObject();
  return WriteOut(json.text().view());
}

// What "status" reports, from the devices and the login state.
struct Report {
  size_t devices = 0;
  bool locked = false;
  int64_t locked_until = 0;  // 0: until unlocked
  uint32_t failures = 0;
  int64_t last_failure = 0;
  int64_t last_used = 0;
  std::optional<size_t> recovery_total, recovery_left;
};

Report MakeReport(const Enrollment& enrollment, const UserState& state, const Config& config,
                  int64_t now) {
  Report r;
  r.devices = enrollment.devices.size();
  r.locked = r.devices > 0 && IsLockedOut(state, now, config, r.locked_until);
  r.failures = state.failures;
  r.last_failure = state.last_failure;
  for (const Device& d : enrollment.devices) {
    if (const DeviceState* used = state.Find(d.id))
      r.last_used = std::max(r.last_used, used->last_used);
  }
  if (enrollment.recovery) {
    const RecoverySet& set = *enrollment.recovery;
    const uint32_t used = state.recovery_id == set.id ? state.recovery_used : 0;
    r.recovery_total = set.hashes.size();
    r.recovery_left = set.hashes.size() - static_cast<size_t>(__builtin_popcount(used));
  }
  return r;
}

Status StatusJson(const Report& r, const Context& context) {
  JsonWriter json;
  auto time_or_null = [&](int64_t t) { t > 0 ? json.Number(t) : json.Null(); };
  json.BeginObject();
  json.Key("user");
  json.String(context.user);
  json.Key("enrolled");
  json.Bool(r.devices > 0);
  json.Key("devices");
  json.Number(static_cast<int64_t>(r.devices));
  json.Key("locked");
  json.Bool(r.locked);
  json.Key("locked_until");  // null: not locked, or locked until unlocked
  time_or_null(r.locked ? r.locked_until : 0);
  json.Key("failures");
  json.Number(r.failures);
  json.Key("max_failures");
  json.Number(context.config.max_failures);
  json.Key("last_failure");
  time_or_null(r.last_failure);
  json.Key("last_used");
  time_or_null(r.last_used);
  json.Key("recovery_codes_left");
  r.recovery_left ? json.Number(static_cast<int64_t>(*r.recovery_left)) : json.Null();
  json.Key("recovery_codes_total");
  r.recovery_total ? json.Number(static_cast<int64_t>(*r.recovery_total)) : json.Null();
  json.EndObject();
  return WriteOut(json.text().view());
}

std::string StatusText(const Report& r, const Context& context) {
  std::string locked = "no";
  if (r.locked)
    locked = r.locked_until == 0 ? "yes, until unlocked (totpctl unlock)"
                                 : "yes, until " + When(r.locked_until);
  std::string text = "User:             " + context.user + "\n";
  text += "Enrolled:         " +
          (r.devices == 0 ? std::string("no (totpctl enroll)")
                          : "yes, " + Plural(static_cast<int64_t>(r.devices), "device")) +
          "\n";
  text += "Locked out:       " + locked + "\n";
  text += "Failed attempts:  " + std::to_string(r.failures) + " in a row (lockout at " +
          std::to_string(context.config.max_failures) + ")\n";
  text += "Last failure:     " + When(r.last_failure) + "\n";
  text += "Last used:        " + When(r.last_used) + "\n";
  text += "Recovery codes:   " +
          (r.recovery_total ? std::to_string(*r.recovery_left) + " of " +
                                  std::to_string(*r.recovery_total) + " left"
                            : std::string("none")) +
          "\n";
  return text;
}

}  // namespace

int RunStatus(const Options& options, Context& context) {
  Enrollment enrollment;
  UserState state;
  if (Status s = context.store->ReadState(context.user, enrollment, state); !s.ok()) {
    return StoreFailure(s);
  }
  const Report report = MakeReport(enrollment, state, context.config, std::time(nullptr));
  Status s = options.json ? StatusJson(report, context) : WriteOut(StatusText(report, context));
  return s.ok() ? kExitOk : Fail(kExitFailed, s.message());
}

int RunVerify(const Options& options, Context& context) {
  if (StdinIsTerminal()) WriteErr("Code from your app: ");
  SecretBytes input;
  if (ReadLine(input, kMaxCodeInput) != ReadOutcome::kLine || input.empty()) {
    return Fail(kExitUsage, "no code was given; type the code your app shows");
  }
  const Clock clock = SystemClock();
  const int64_t now = clock.now;
  Result<Outcome> outcome = context.via_helper ? SelfServiceVerify(input)
                                               : VerifyInput(*context.store, context.user,
                                                             input.view(), clock, context.config);
  if (!outcome.ok()) return StoreFailure(outcome.status());
  const bool accepted =
      outcome->verdict == Verdict::kAccepted || outcome->verdict == Verdict::kRecoveryAccepted;
  if (options.json) {
    Status s = VerifyJson(*outcome, context);
    if (!s.ok()) return Fail(kExitFailed, s.message());
    return accepted ? kExitOk : kExitFailed;
  }
  const std::string text = Describe(*outcome, context, now);
  if (!accepted) return Fail(kExitFailed, text);
  Status s = WriteOut(text + "\n");
  return s.ok() ? kExitOk : Fail(kExitFailed, s.message());
}

}  // namespace pamtotp::totpctl
