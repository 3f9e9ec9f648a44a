// The first things totpctl-helper does, before it trusts anything: it runs setuid root for a
// caller who controls its environment, its open files, its signal mask, its limits and its
// working directory, and who can signal it. See totpctl(1), SELF-SERVICE.
#ifndef PAMTOTP_SETUP_TOOL_HELPER_PROCESS_H_
#define PAMTOTP_SETUP_TOOL_HELPER_PROCESS_H_

#include <sys/types.h>

#include <string>

#include "core/secret_bytes.h"
#include "core/status.h"

namespace pamtotp::helper {

// Makes descriptors 0-2 exist (on /dev/null if the caller closed them, so that no file we open
// can become "standard output") and closes every other inherited descriptor. Returns false if
// that failed; nothing can be reported then.
bool SecureDescriptors();

// Empties the environment, sets umask 077 and the working directory to "/", ignores the
// keyboard, hangup, SIGPIPE and SIGXFSZ signals and unblocks the rest, forbids core dumps and
// ptrace (not dumpable), lifts the file size and CPU time limits, then records the real uid as
// the caller and becomes root completely (real, effective and saved uid and gid 0, no
// supplementary groups), so the caller can no longer signal or trace it. Fails if the effective
// uid is not 0: the helper is not installed setuid root.
Result<uid_t> DropCallerControl();

// The name of `uid` in the user database, checked to be usable as a store user name.
Result<std::string> UserNameOf(uid_t uid);

// Reads standard input to its end, at most `limit` bytes, within `timeout_seconds`.
Result<SecretBytes> ReadRequest(size_t limit, unsigned timeout_seconds);

// Writes all of `text` to standard output.
Status WriteReply(std::string_view text);

}  // namespace pamtotp::helper

#endif  // PAMTOTP_SETUP_TOOL_HELPER_PROCESS_H_
