#include "tests/test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pamtotp::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/pamtotp-test.XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

// A child running argv (no shell) with pipes to its standard input, output and error.
struct Child {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // our ends
};

Child Spawn(const std::vector<std::string>& argv) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  return Child{pid, in[1], out[0], err[0]};
}

// Writes `input` to the child's standard input and closes it.
void Answer(Child& child, const std::string& input) {
  if (!input.empty() && write(child.in, input.data(), input.size()) < 0) {
    // The child may exit without reading; its output says why.
  }
  close(child.in);
  child.in = -1;
}

// Reads the rest of both outputs into `result` and waits for the exit status.
CommandResult Collect(Child& child, CommandResult result) {
  struct pollfd fds[2] = {{child.out, POLLIN, 0}, {child.err, POLLIN, 0}};
  int open_count = 2;
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(child.pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input) {
  Child child = Spawn(argv);
  Answer(child, input);
  return Collect(child, CommandResult());
}

CommandResult RunAnswering(const std::vector<std::string>& argv,
                           const std::function<std::string(const std::string&)>& respond) {
  Child child = Spawn(argv);
  CommandResult result;
  for (char c = 0; c != '\n' && read(child.out, &c, 1) == 1;) result.out.push_back(c);
  Answer(child, respond(result.out));
  return Collect(child, std::move(result));
}

std::string OathtoolTotp(const std::string& base32_key, int64_t at, int digits, int period,
                         const std::string& algorithm) {
  // oathtool wants "sha1"/"sha256"/"sha512" and a UTC time string.
  std::string mode = "--totp=";
  for (char c : algorithm) mode.push_back(static_cast<char>(std::tolower(c)));
  char when[64];
  std::time_t t = static_cast<std::time_t>(at);
  std::tm tm;
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  CommandResult r = RunCommand({OATHTOOL, mode, "-b", "--digits=" + std::to_string(digits),
                                "--time-step-size=" + std::to_string(period) + "s",
                                std::string("--now=") + when, base32_key});
  if (r.exit_code != 0) throw std::runtime_error("oathtool failed: " + r.err);
  while (!r.out.empty() && (r.out.back() == '\n')) r.out.pop_back();
  return r.out;
}

void WriteFile(const std::string& path, const std::string& contents, unsigned mode) {
  unlink(path.c_str());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  if (write(fd, contents.data(), contents.size()) != static_cast<ssize_t>(contents.size())) {
    close(fd);
    throw std::runtime_error("cannot write " + path);
  }
  fchmod(fd, mode);
  close(fd);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void AvoidStepBoundary(int margin, int period) {
  while (period - static_cast<int>(std::time(nullptr) % period) < margin) sleep(1);
}

std::string BashComplete(const std::string& completion_script, const std::string& totpctl,
                         const std::string& words) {
  const std::string script = "PATH='" + totpctl.substr(0, totpctl.rfind('/')) +
                             "':$PATH; source '" + completion_script + "'; COMP_WORDS=(" + words +
                             "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _totpctl; "
                             "printf '%s|' \"${COMPREPLY[@]}\"";
  CommandResult r = RunCommand({"/bin/bash", "--norc", "-c", script});
  assert_int_equal(r.exit_code, 0);
  return r.out;
}

}  // namespace pamtotp::testing
