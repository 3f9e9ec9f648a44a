#include "setup_tool/helper/process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/safe_file.h"
#include "core/store_path.h"

namespace pamtotp::helper {

bool SecureDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // The lowest free descriptor: this one, since the lower ones exist.
    if (open("/dev/null", O_RDWR | O_NOCTTY) != fd) return false;
  }
  closefrom(3);
  return true;
}

Result<uid_t> DropCallerControl() {
  if (clearenv() != 0) return Status::Internal("cannot clear the environment");
  umask(077);
  if (chdir("/") != 0) return ErrnoStatus("cannot change to /", errno);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);
  for (int sig : {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP, SIGPIPE, SIGXFSZ}) {
    (void)signal(sig, SIG_IGN);
  }
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  const uid_t caller = getuid();
  if (geteuid() != 0) {
    return Status::PermissionDenied(
        "totpctl-helper is not setuid root; the administrator must run: chown root:root "
        "totpctl-helper && chmod 4755 totpctl-helper");
  }
  const struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
  // A write cut short, or a process killed halfway, by limits the caller chose: not here.
  setrlimit(RLIMIT_FSIZE, &unlimited);
  setrlimit(RLIMIT_CPU, &unlimited);
  if (setgroups(0, nullptr) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) {
    return ErrnoStatus("cannot become root", errno);
  }
  return caller;
}

Result<std::string> UserNameOf(uid_t uid) {
  std::vector<char> buffer(4096);
  for (;;) {
    struct passwd entry;
    struct passwd* found = nullptr;
    int err = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (err == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (err != 0) return ErrnoStatus("cannot look up your uid in the user database", err);
    if (found == nullptr) {
      return Status::NotFound("your uid " + std::to_string(uid) + " has no user name");
    }
    std::string name(found->pw_name);
    if (Status s = ValidateUserName(name); !s.ok()) {
      return Status::InvalidArgument("your user name cannot be used: " + s.message());
    }
    return name;
  }
}

Result<SecretBytes> ReadRequest(size_t limit, unsigned timeout_seconds) {
  SecretBytes request(limit + 1);
  size_t total = 0;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const int64_t left_ms = int64_t{timeout_seconds} * 1000 - (now.tv_sec - start.tv_sec) * 1000 -
                            (now.tv_nsec - start.tv_nsec) / 1000000;
    struct pollfd in = {STDIN_FILENO, POLLIN, 0};
    int ready = left_ms > 0 ? poll(&in, 1, static_cast<int>(left_ms)) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return Status::IOError("no request came in time");
    if (ready < 0) return ErrnoStatus("cannot wait for the request", errno);
    ssize_t n = read(STDIN_FILENO, request.data() + total, request.size() - total);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return ErrnoStatus("cannot read the request", errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
    if (total > limit) return Status::InvalidArgument("the request is too long");
  }
  request.Truncate(total);
  return request;
}

Status WriteReply(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("cannot write the reply", n < 0 ? errno : EIO);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace pamtotp::helper
