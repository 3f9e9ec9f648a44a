// Opening store files as hostile input, and replacing them durably.
//
// Every open uses O_NOFOLLOW|O_CLOEXEC|O_NOCTTY, relative to an already-checked directory
// descriptor, and the descriptor is fstat'ed: regular file, one link, owned by root or the
// trusted owner, no group/other permission bits, size within the caller's limit. Messages name
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

// Who may own store files and the directories above them, besides root.
struct TrustedOwner {
  uid_t uid = 0;
  // The user's name, for messages ("chown carol PATH"); empty for a store that belongs to root.
  std::string user;

  // The system store (/var/lib/pam_totp): root, or the effective uid when the program runs
  // unprivileged (tests, or a store an administrator pointed elsewhere).
  static TrustedOwner Root();
  // A store in the home directory of `user` (uid `uid`): that user or root.
  static TrustedOwner User(uid_t uid, std::string user);
  bool Trusts(uid_t owner) const { return owner == 0 || owner == uid; }
};

// Opens a directory that store files live in, walking from "/" without following symlinks:
// every directory on the way owned by root or `owner` and not writable by group or others
// (except a root-owned sticky directory such as /tmp above the store). NotFound if it does not
// exist.
Result<UniqueFd> OpenSafeDirectory(const std::string& path, const TrustedOwner& owner);

// Like OpenSafeDirectory, but creates the last path component with mode 0700 if it is missing.
Result<UniqueFd> OpenOrCreateSafeDirectory(const std::string& path, const TrustedOwner& owner);

// Checks an open descriptor as described above. `path` is only used in messages.
Status CheckSafeFile(int fd, const std::string& path, size_t max_size, const TrustedOwner& owner,
                     struct stat* st_out);

// Reads a whole file relative to `dir_fd`. NotFound if it does not exist.
Result<SecretBytes> ReadSafeFile(int dir_fd, const std::string& name, const std::string& path,
                                 size_t max_size, const TrustedOwner& owner);

// Replaces `name` in `dir_fd` with `contents`: a temp file created with O_EXCL and mode 0600 in
// the same directory (named `name` + ".tmp." + 16 random hex digits), written, fsync'ed,
// renamed over `name`, then the directory fsync'ed. On any failure the old file is untouched
// and the temp file removed; a writer killed before the rename leaves the temp file behind.
Status ReplaceFileAtomically(int dir_fd, const std::string& name, const std::string& path,
                             std::string_view contents);

// Whether `name` is one of ReplaceFileAtomically's temp files (what a killed writer leaves).
bool IsReplacementTempFile(std::string_view name);

// Writes all of `data` at `offset`, retrying short writes and EINTR.
Status WriteAllAt(int fd, std::string_view data, off_t offset, const std::string& path);

// "what: strerror(errno)": PermissionDenied for EACCES and EPERM, else IOError.
Status ErrnoStatus(const std::string& what, int err);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_SAFE_FILE_H_
