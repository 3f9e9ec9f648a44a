#include "setup_tool/doctor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/unique_fd.h"
#include "setup_tool/json.h"
#include "setup_tool/terminal.h"

namespace pamtotp::totpctl {
namespace {

constexpr std::string_view kChecks[] = {"module", "pam",    "sshd", "config",
                                        "store",  "helper", "clock"};
constexpr int kProgramTimeoutMs = 5000;
constexpr size_t kMaxProgramOutput = size_t{256} * 1024;

constexpr std::string_view kHelp =
    "Usage: totpctl doctor [--json] [--skip CHECK,...] [--root DIR] [--pam-dir DIR]\n"
    "                      [--module-dir DIR] [--sshd-config FILE]\n"
    "\n"
    "Checks the installation and prints one line per finding: ok, warn or FAIL, with what to\n"
    "do. The checks:\n"
    "  module   pam_totp.so is where PAM loads modules from (beside pam_unix.so), owned by\n"
    "           root and writable by nobody else\n"
    "  pam      the services in /etc/pam.d that use pam_totp.so, their arguments checked by\n"
    "           the module's own parser\n"
    "  sshd     when /etc/pam.d/sshd uses it: UsePAM, KbdInteractiveAuthentication and\n"
    "           AuthenticationMethods in the output of sshd -T (root only)\n"
    "  config   the configuration file parses\n"
    "  store    the store directory and files: owner and mode (root sees the files); with\n"
    "           store = ldap, that the directory answers and this host can read it\n"
    "  helper   totpctl-helper is installed setuid root when users may enroll themselves\n"
    "  clock    the clock is synchronised (timedatectl, chronyc or ntpq)\n"
    "\n"
    "  --json             print the findings as JSON\n"
    "  --skip LIST        do not run these checks (comma-separated names from above)\n"
    "  --root DIR         look at the system installed under DIR instead of / (the clock\n"
    "                     and sshd -T are still this system's)\n"
    "  --pam-dir DIR      PAM service files (default: ROOT/etc/pam.d)\n"
    "  --module-dir DIR   where PAM loads modules from (default: the directory holding\n"
    "                     pam_unix.so)\n"
    "  --sshd-config FILE read sshd's settings from FILE, as sshd -T prints them, instead of\n"
    "                     running sshd -T\n"
    "\n"
    "Exit status 0 if no check FAILed, 1 if one did (warnings do not count), 2 for a usage "
    "error.\n"
    "\n";

std::string_view LevelWord(Level level) {
  switch (level) {
    case Level::kOk:
      return "ok";
    case Level::kWarn:
      return "warn";
    case Level::kFail:
      return "FAIL";
  }
  return "?";
}

Status PrintText(const std::vector<Finding>& findings) {
  std::string out;
  size_t fails = 0, warnings = 0;
  for (const Finding& f : findings) {
    std::string word(LevelWord(f.level));
    out += word + std::string(6 - word.size(), ' ') + f.check +
           std::string(f.check.size() < 8 ? 8 - f.check.size() : 1, ' ') + f.message;
    if (!f.fix.empty()) out += ". Fix: " + f.fix;
    out += "\n";
    fails += f.level == Level::kFail;
    warnings += f.level == Level::kWarn;
  }
  out += "\n" + std::to_string(fails) + (fails == 1 ? " problem, " : " problems, ") +
         std::to_string(warnings) + (warnings == 1 ? " warning.\n" : " warnings.\n");
  return WriteOut(out);
}

Status PrintJson(const std::vector<Finding>& findings, bool ok) {
  JsonWriter json;
  json.BeginObject();
  json.Key("ok");
  json.Bool(ok);
  json.Key("checks");
  json.BeginArray();
  for (const Finding& f : findings) {
    json.BeginObject();
    json.Key("check");
    json.String(f.check);
    json.Key("status");
    json.String(f.level == Level::kFail ? "fail" : LevelWord(f.level));
    json.Key("message");
    json.String(f.message);
    json.Key("fix");
    f.fix.empty() ? json.Null() : json.String(f.fix);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return WriteOut(json.text().view());
}

DoctorPaths PathsFrom(const Options& options) {
  DoctorPaths paths;
  paths.root = options.doctor.root;
  paths.pam_dir = options.doctor.pam_dir ? *options.doctor.pam_dir : paths.Under("/etc/pam.d");
  paths.module_dir = options.doctor.module_dir;
  paths.sshd_config = options.doctor.sshd_config;
  paths.config_given = options.config_path.has_value();
  paths.config = options.config_path ? *options.config_path : paths.Under(kDefaultConfigPath);
  paths.store = options.store;
  return paths;
}

// Reads what is there on `fd` into `out`, up to the limit; false at end of file.
bool Drain(int fd, std::string& out) {
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  if (out.size() < kMaxProgramOutput) out.append(buffer, static_cast<size_t>(n));
  return true;
}

std::string FindProgram(std::string_view name) {
  for (std::string_view dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"}) {
    std::string path = std::string(dir) + std::string(name);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

}  // namespace

bool IsDoctorCheck(std::string_view name) {
  return std::find(std::begin(kChecks), std::end(kChecks), name) != std::end(kChecks);
}

std::string DoctorHelp() { return std::string(kHelp); }

ProgramOutput RunProgram(std::string_view name, const std::vector<std::string>& args) {
  ProgramOutput result;
  const std::string path = FindProgram(name);
  if (path.empty()) return result;
  result.found = true;
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char lang_env[] = "LC_ALL=C";
  char* envp[] = {path_env, lang_env, nullptr};
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return result;
  UniqueFd out_read(out[0]), out_write(out[1]);
  if (pipe2(err, O_CLOEXEC) != 0) return result;
  UniqueFd err_read(err[0]), err_write(err[1]);
  UniqueFd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    if (dup2(null.get(), 0) == 0 && dup2(out_write.get(), 1) == 1 &&
        dup2(err_write.get(), 2) == 2) {
      execve(path.c_str(), argv.data(), envp);
    }
    _exit(127);
  }
  out_write.Reset();
  err_write.Reset();
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  bool out_open = true, err_open = true, timed_out = false;
  while (out_open || err_open) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long elapsed =
        (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed >= kProgramTimeoutMs) {
      timed_out = true;
      break;
    }
    struct pollfd fds[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                            {err_open ? err_read.get() : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(kProgramTimeoutMs - elapsed)) < 0 && errno != EINTR) break;
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP)) != 0)
      out_open = Drain(out_read.get(), result.out);
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP)) != 0)
      err_open = Drain(err_read.get(), result.err);
  }
  if (timed_out || out_open || err_open) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.ran = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) != 127;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int RunDoctor(const Options& options) {
  const DoctorPaths paths = PathsFrom(options);
  auto wanted = [&](std::string_view check) {
    const std::vector<std::string>& skip = options.doctor.skip;
    return std::find(skip.begin(), skip.end(), check) == skip.end();
  };
  std::vector<Finding> findings;
  Config config;
  if (wanted("module")) CheckModule(paths, findings);
  if (wanted("pam")) CheckPamServices(paths, findings);
  if (wanted("sshd")) CheckSshd(paths, findings);
  if (wanted("config")) {
    CheckConfig(paths, config, findings);
  } else {
    (void)LoadConfigFile(paths.config, false, config);  // the store check still needs it
  }
  if (options.store) config.store = *options.store;
  if (wanted("store")) CheckStore(paths, config, findings);
  if (wanted("helper")) CheckHelper(paths, config, findings);
  if (wanted("clock")) CheckClock(findings);
  const bool ok = std::none_of(findings.begin(), findings.end(),
                               [](const Finding& f) { return f.level == Level::kFail; });
  Status s = options.json ? PrintJson(findings, ok) : PrintText(findings);
  if (!s.ok()) return Fail(kExitFailed, s.message());
  return ok ? kExitOk : kExitFailed;
}

}  // namespace pamtotp::totpctl
