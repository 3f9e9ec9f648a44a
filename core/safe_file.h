// Opening store files as hostile input, and replacing them durably.
//
// Every open uses O_NOFOLLOW|O_CLOEXEC|O_NOCTTY, relative to an already-checked directory
// descriptor, and the descriptor is fstat'ed: regular file, one link, owned by root or by the
// effective uid, no group/other permission bits, size within the caller's limit. Messages name
// the path and say what to fix. Functions are reentrant; callers serialise writers with a lock.
#ifndef PAMTOTP_CORE_SAFE_FILE_H_
#define PAMTOTP_CORE_SAFE_FILE_H_

#include <sys/stat.h>

#include <string>
#include <string_view>

#include "core/secret_bytes.h"
#include "core/status.h"
#include "core/unique_fd.h"

namespace pamtotp {

// Opens a directory that store files live in: not a symlink, owned by root or the effective
// uid, not writable by group or others. NotFound if it does not exist.
Result<UniqueFd> OpenSafeDirectory(const std::string& path);

// Like OpenSafeDirectory, but creates the last path component with mode 0700 if it is missing.
Result<UniqueFd> OpenOrCreateSafeDirectory(const std::string& path);

// Checks an open descriptor as described above. `path` is only used in messages.
Status CheckSafeFile(int fd, const std::string& path, size_t max_size, struct stat* st_out);

// Reads a whole file relative to `dir_fd`. NotFound if it does not exist.
Result<SecretBytes> ReadSafeFile(int dir_fd, const std::string& name, const std::string& path,
                                 size_t max_size);

// Replaces `name` in `dir_fd` with `contents`: a temp file created with O_EXCL and mode 0600 in
// the same directory, written, fsync'ed, renamed over `name`, then the directory fsync'ed. On
// any failure the old file is untouched and the temp file removed.
Status ReplaceFileAtomically(int dir_fd, const std::string& name, const std::string& path,
                             std::string_view contents);

// Writes all of `data` at `offset`, retrying short writes and EINTR.
Status WriteAllAt(int fd, std::string_view data, off_t offset, const std::string& path);

// "what: strerror(errno)" as an IOError.
Status ErrnoStatus(const std::string& what, int err);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_SAFE_FILE_H_
