#include "setup_tool/confirm.h"

#include <ctime>
#include <string>
#include <vector>

#include "core/otp.h"
#include "core/verifier.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

struct Settings {
  HashAlgorithm algorithm;
  int digits;
  int period;
};

Result<bool> MatchesWith(const SecretBytes& secret, const Settings& settings,
                         const SecretBytes& code, int64_t now) {
  Result<uint64_t> current = TimeStep(now, settings.period);
  if (!current.ok()) return current.status();
  bool match = false;
  for (int offset = -1; offset <= 1; ++offset) {
    if (offset < 0 && *current == 0) continue;
    const uint64_t step = offset < 0 ? *current - 1 : *current + static_cast<uint64_t>(offset);
    Result<uint32_t> value = Hotp(secret, step, settings.algorithm, settings.digits);
    if (!value.ok()) return value.status();
    SecretBytes expected = FormatCode(*value, settings.digits);
    match |= ConstantTimeEquals(expected.view(), code.view());
  }
  return match;
}

// "a", "a and b", "a, b and c".
std::string JoinWithAnd(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " and " : ", ";
    text += items[i];
  }
  return text;
}

// Apps that do not support a setting silently fall back to SHA1, 6 digits or 30 seconds. If the
// typed code is what such an app would show, says which settings the app ignored.
std::string DiagnoseMismatch(const Device& device, const SecretBytes& code, int64_t now) {
  const Settings chosen{device.algorithm, device.digits, device.period};
  for (HashAlgorithm algorithm : {chosen.algorithm, HashAlgorithm::kSha1}) {
    for (int digits : {chosen.digits, 6}) {
      for (int period : {chosen.period, 30}) {
        const Settings fallback{algorithm, digits, period};
        if (algorithm == chosen.algorithm && digits == chosen.digits && period == chosen.period) {
          continue;
        }
        Result<bool> match = MatchesWith(device.secret, fallback, code, now);
        if (!match.ok() || !*match) continue;
        std::vector<std::string> ignored;
        if (algorithm != chosen.algorithm) ignored.emplace_back(AlgorithmName(chosen.algorithm));
        if (digits != chosen.digits) ignored.push_back(std::to_string(chosen.digits) + " digits");
        if (period != chosen.period) ignored.push_back(std::to_string(chosen.period) + " seconds");
        return "Your app ignored " + JoinWithAnd(ignored) + ": what you typed is the " +
               std::string(AlgorithmName(algorithm)) + ", " + std::to_string(digits) + "-digit, " +
               std::to_string(period) +
               "-second code for this key. Remove the account from the app, then enroll again " +
               "with the default settings or use an app that supports these.\n";
      }
    }
  }
  return "";
}

std::string ClockHint(int64_t now) {
  char when[32] = "";
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm;
  if (gmtime_r(&t, &tm) == nullptr || std::strftime(when, sizeof when, "%H:%M:%S UTC", &tm) == 0) {
    when[0] = '\0';
  }
  return std::string("Check that your phone's clock is right (this computer says ") + when +
         ") and type the code your app shows next.\n";
}

}  // namespace

Result<bool> CodeMatches(const Device& device, const SecretBytes& code, int64_t now) {
  return IsCurrentCode(device, code, now, 1);
}

std::optional<Confirmation> AskForCode(const Device& device) {
  const bool terminal = StdinIsTerminal();
  const int tries = terminal ? 3 : 1;
  for (int attempt = 1; attempt <= tries; ++attempt) {
    WriteErr("Enter the code your app shows now: ");
    SecretBytes line;
    ReadOutcome read = ReadLine(line, kMaxCodeInput);
    if (!terminal || read != ReadOutcome::kLine) WriteErr("\n");
    if (read != ReadOutcome::kLine) return std::nullopt;
    const int64_t now = std::time(nullptr);
    Result<SecretBytes> code = NormalizeCode(line.view());
    if (!code.ok()) {
      WriteErr("That is not a code: " + code.status().message() + ".\n");
      continue;
    }
    Result<bool> match = CodeMatches(device, *code, now);
    if (!match.ok()) {
      WriteErr("totpctl: " + match.status().message() + "\n");
      return std::nullopt;
    }
    if (*match) return Confirmation{std::move(code).value(), now};
    WriteErr("That code does not match.\n");
    WriteErr(DiagnoseMismatch(device, *code, now));
    if (attempt < tries) WriteErr(ClockHint(now));
  }
  return std::nullopt;
}

}  // namespace pamtotp::totpctl
