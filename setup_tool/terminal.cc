#include "setup_tool/terminal.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/safe_file.h"

namespace pamtotp::totpctl {
namespace {

Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("cannot write to standard output", n < 0 ? errno : EIO);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Status WriteOut(std::string_view text) { return WriteAll(STDOUT_FILENO, text); }

void WriteErr(std::string_view text) {
  // Nowhere left to report a failure to write to standard error.
  (void)WriteAll(STDERR_FILENO, text);
}

int Fail(int exit_code, std::string_view message) {
  std::string line = "totpctl: ";
  line.append(message);
  line.push_back('\n');
  WriteErr(line);
  return exit_code;
}

bool StdinIsTerminal() { return isatty(STDIN_FILENO) == 1; }

ReadOutcome ReadLine(SecretBytes& line, size_t max_size) {
  line.Clear();
  bool got_any = false;
  for (;;) {
    char c = 0;
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ReadOutcome::kError;
    if (n == 0) return got_any ? ReadOutcome::kLine : ReadOutcome::kEndOfInput;
    got_any = true;
    if (c == '\n') break;
    if (line.size() <= max_size) line.push_back(c);
  }
  if (!line.empty() && line.view().back() == '\r') line.Truncate(line.size() - 1);
  return ReadOutcome::kLine;
}

}  // namespace pamtotp::totpctl
