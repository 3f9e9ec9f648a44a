// Standard input and output for totpctl, without stdio buffers.
//
// Output is written with write(2) straight from the caller's buffer, so a key or URI printed
// from a SecretBytes never lingers in a libc buffer. Input is read one byte at a time for the
// same reason, and so that nothing past the newline is consumed (the next prompt reads it).
#ifndef PAMTOTP_SETUP_TOOL_TERMINAL_H_
#define PAMTOTP_SETUP_TOOL_TERMINAL_H_

#include <string_view>

#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp::totpctl {

// Writes all of `text` to standard output / standard error.
Status WriteOut(std::string_view text);
void WriteErr(std::string_view text);

// "totpctl: <message>\n" on standard error; returns `exit_code` for `return Fail(...)`.
int Fail(int exit_code, std::string_view message);

// True if standard input is a terminal (a person can answer a prompt).
bool StdinIsTerminal();

enum class ReadOutcome { kLine, kEndOfInput, kError };

// Reads one line from standard input into `line` (replacing its contents), without the newline
// or a trailing '\r'. A last line without a newline still counts as a line. At most
// `max_size` + 1 bytes are kept, so an over-long line stays detectably over-long; the rest of
// it is read and wiped.
ReadOutcome ReadLine(SecretBytes& line, size_t max_size);

}  // namespace pamtotp::totpctl

#endif  // PAMTOTP_SETUP_TOOL_TERMINAL_H_
