// totpctl doctor: checks the installation and says what is wrong and how to fix it. Reads
// only; runs as any user, but only root sees everything (sshd -T and the store need root).
//
// Every path it inspects can be moved under --root DIR, and the PAM service directory, the
// module directory and sshd's effective settings can be given outright, so that a test builds a
// fake system in a temporary directory. Nothing else changes what it looks at: no environment
// variable, no configuration.
#ifndef PAMTOTP_SETUP_TOOL_DOCTOR_H_
#define PAMTOTP_SETUP_TOOL_DOCTOR_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "setup_tool/args.h"

namespace pamtotp::totpctl {

enum class Level { kOk, kWarn, kFail };

// One line of the report: FAIL means logins do not work as intended (or not safely).
struct Finding {
  std::string check;  // "module", "pam", ...
  Level level = Level::kOk;
  std::string message;
  std::string fix;  // what to do; empty when there is nothing to do
};

// Where the checks look.
struct DoctorPaths {
  std::string root;                        // prefix of every system path; "" for the real one
  std::string pam_dir;                     // root + /etc/pam.d, or --pam-dir
  std::optional<std::string> module_dir;   // --module-dir; unset: where pam_unix.so is
  std::optional<std::string> sshd_config;  // --sshd-config: `sshd -T` output; unset: run it
  std::string config;                      // root + --config or the default pam_totp.conf
  bool config_given = false;               // --config: then it must exist
  std::optional<std::string> store;        // --store: overrides the configuration's
  std::string Under(std::string_view path) const { return root + std::string(path); }
};

// The names --skip accepts.
bool IsDoctorCheck(std::string_view name);

std::string DoctorHelp();

// Runs every check not skipped, prints the report, returns 0 if nothing FAILed, else 1.
int RunDoctor(const Options& options);

// The checks (doctor_checks.cc, doctor_pam.cc). Each appends its findings. `config` is the
// configuration as the module would read it (defaults if the file is missing or broken).
void CheckModule(const DoctorPaths& paths, std::vector<Finding>& out);
void CheckPamServices(const DoctorPaths& paths, std::vector<Finding>& out);
void CheckSshd(const DoctorPaths& paths, std::vector<Finding>& out);
void CheckConfig(const DoctorPaths& paths, Config& config, std::vector<Finding>& out);
void CheckStore(const DoctorPaths& paths, const Config& config, std::vector<Finding>& out);
void CheckHelper(const DoctorPaths& paths, const Config& config, std::vector<Finding>& out);
void CheckClock(std::vector<Finding>& out);

// True if PAM service `service` (a file in paths.pam_dir) uses pam_totp.so, directly or
// through @include, include or substack.
bool ServiceUsesTotp(const DoctorPaths& paths, std::string_view service);

// A program's result, for the checks that ask sshd, timedatectl, chronyc or ntpq.
struct ProgramOutput {
  bool found = false;  // installed
  bool ran = false;    // started, and finished in time
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the first of `names` found in /usr/sbin, /usr/bin, /sbin or /bin with `args`, a minimal
// environment and standard input from /dev/null; kills it after 5 seconds.
ProgramOutput RunProgram(std::string_view name, const std::vector<std::string>& args);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_DOCTOR_H_
