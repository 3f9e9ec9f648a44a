#include "core/safe_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/device.h"
#include "core/random.h"

namespace pamtotp {
namespace {

constexpr int kOpenFlags = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// "PATH is owned by uid 1000; it must be owned by root (chown root PATH)", or for a user's
// store "...; it must be owned by carol or root (chown carol PATH)".
Status WrongOwner(const std::string& path, uid_t found, const TrustedOwner& owner) {
  std::string message = path + " is owned by uid " + std::to_string(found) + "; it must be ";
  if (owner.user.empty()) {
    return Status::PermissionDenied(message + "owned by root (chown root " + path + ")");
  }
  return Status::PermissionDenied(message + "owned by " + owner.user + " or root (chown " +
                                  owner.user + " " + path + ")");
}

Status CheckSafeDirectory(int fd, const std::string& path, const TrustedOwner& owner) {
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
  if (!S_ISDIR(st.st_mode)) return Status::PermissionDenied(path + " is not a directory");
  if (!owner.Trusts(st.st_uid)) return WrongOwner(path, st.st_uid, owner);
  if ((st.st_mode & 022) != 0) {
    // A home directory keeps its other bits; only the write bits are the problem.
    const char* fix = owner.user.empty() ? "chmod 700 " : "chmod go-w ";
    return Status::PermissionDenied(path + " has mode " + Octal(st.st_mode) +
                                    ", writable by others; run " + fix + path);
  }
  return Status::Ok();
}

// A directory above the store: others must not be able to swap what lies below it. Writable
// by others is allowed only with the sticky bit on a root-owned directory (like /tmp), where
// nobody else can rename or remove our entries.
Status CheckAncestor(int fd, const std::string& path, const TrustedOwner& owner) {
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
  if (!owner.Trusts(st.st_uid)) {
    return Status::PermissionDenied(path + " (above the store) is owned by uid " +
                                    std::to_string(st.st_uid) + "; it must be owned by root" +
                                    (owner.user.empty() ? "" : " or " + owner.user));
  }
  bool shared_sticky = (st.st_mode & S_ISVTX) != 0 && st.st_uid == 0;
  if ((st.st_mode & 022) != 0 && !shared_sticky) {
    return Status::PermissionDenied(path + " (above the store) has mode " + Octal(st.st_mode) +
                                    ", writable by others; the store must not be below it");
  }
  return Status::Ok();
}

// Opens `path` one component at a time from "/", never following a symlink, checking every
// directory above it as an ancestor (openssh's safe_path, done on descriptors so nothing can
// change between the check and the use). `path` itself is for the caller to check.
Result<UniqueFd> WalkTo(const std::string& path, const TrustedOwner& owner) {
  if (path.empty() || path.front() != '/') {
    return Status::InvalidArgument(path + " is not an absolute path");
  }
  UniqueFd fd(open("/", O_RDONLY | O_DIRECTORY | kOpenFlags));
  if (!fd.valid()) return ErrnoStatus("cannot open /", errno);
  std::string walked;
  size_t start = 1;
  while (start < path.size()) {
    if (Status s = CheckAncestor(fd.get(), walked.empty() ? "/" : walked, owner); !s.ok()) {
      return s;
    }
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    walked += "/" + part;
    UniqueFd next(openat(fd.get(), part.c_str(), O_RDONLY | O_DIRECTORY | kOpenFlags));
    if (!next.valid()) {
      int err = errno;
      if (err == ENOENT) return Status::NotFound(walked + " does not exist");
      if (err == ELOOP || err == ENOTDIR) {
        return Status::PermissionDenied(
            walked + " is a symlink or not a directory; " +
            (owner.user.empty()
                 ? "give the store's real path"
                 : "the path to " + owner.user + "'s store must not go through one"));
      }
      return ErrnoStatus("cannot open directory " + walked, err);
    }
    fd = std::move(next);
  }
  return fd;
}

// WalkTo, then the stricter rule for the directory the store's files are in.
Result<UniqueFd> OpenDirectory(const std::string& path, const TrustedOwner& owner) {
  Result<UniqueFd> fd = WalkTo(path, owner);
  if (!fd.ok()) return fd.status();
  if (Status s = CheckSafeDirectory(fd->get(), path, owner); !s.ok()) return s;
  return fd;
}

}  // namespace

TrustedOwner TrustedOwner::Root() { return TrustedOwner{geteuid(), ""}; }

TrustedOwner TrustedOwner::User(uid_t uid, std::string user) {
  return TrustedOwner{uid, std::move(user)};
}

Status ErrnoStatus(const std::string& what, int err) {
  std::string message = what + ": " + std::strerror(err);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(message));
  return Status::IOError(std::move(message));
}

Result<UniqueFd> OpenSafeDirectory(const std::string& path, const TrustedOwner& owner) {
  return OpenDirectory(path, owner);
}

Result<UniqueFd> OpenOrCreateSafeDirectory(const std::string& path, const TrustedOwner& owner) {
  // Create the last component relative to its parent opened by the safe walk, so no symlink
  // on the way is followed.
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash + 1 < path.size()) {
    const std::string parent_path = slash == 0 ? "/" : path.substr(0, slash);
    Result<UniqueFd> parent = WalkTo(parent_path, owner);
    if (!parent.ok()) return parent.status();
    if (Status s = CheckAncestor(parent->get(), parent_path, owner); !s.ok()) return s;
    if (mkdirat(parent->get(), path.c_str() + slash + 1, 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create directory " + path, errno);
    }
  }
  return OpenDirectory(path, owner);
}

Status CheckSafeFile(int fd, const std::string& path, size_t max_size, const TrustedOwner& owner,
                     struct stat* st_out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::PermissionDenied(path + " is not a regular file");
  if (!owner.Trusts(st.st_uid)) return WrongOwner(path, st.st_uid, owner);
  if ((st.st_mode & 077) != 0) {
    return Status::PermissionDenied(path + " has mode " + Octal(st.st_mode) +
                                    ", readable or writable by others; run chmod 600 " + path);
  }
  // More than one link could be a link planted to another file. No link at all is fine: the
  // file was atomically replaced after we opened it, and we read the previous, whole version.
  if (st.st_nlink > 1) {
    return Status::PermissionDenied(path + " has " + std::to_string(st.st_nlink) +
                                    " hard links; it must have exactly one");
  }
  if (static_cast<unsigned long long>(st.st_size) > max_size) {
    return Status::Corruption(path + " is " + std::to_string(st.st_size) +
                              " bytes, larger than the limit of " + std::to_string(max_size));
  }
  if (st_out != nullptr) *st_out = st;
  return Status::Ok();
}

Result<SecretBytes> ReadSafeFile(int dir_fd, const std::string& name, const std::string& path,
                                 size_t max_size, const TrustedOwner& owner) {
  UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NONBLOCK | kOpenFlags));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + " does not exist");
    if (err == ELOOP)
      return Status::PermissionDenied(path + " is a symlink; refusing to follow it");
    return ErrnoStatus("cannot open " + path, err);
  }
  struct stat st {};
  if (Status s = CheckSafeFile(fd.get(), path, max_size, owner, &st); !s.ok()) return s;
  // A buffer of the size fstat saw, plus one byte to notice a file that grew meanwhile (the
  // store replaces its files, it never writes into them, so that is someone else's doing).
  const auto size = static_cast<size_t>(st.st_size);
  SecretBytes contents(size + 1);
  size_t total = 0;
  while (total < contents.size()) {
    ssize_t n = read(fd.get(), contents.data() + total, contents.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read " + path, errno);
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  if (total > size) return Status::Corruption(path + " grew while it was read; try again");
  contents.Truncate(total);
  return contents;
}

Status WriteAllAt(int fd, std::string_view data, off_t offset, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        pwrite(fd, data.data() + done, data.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot write " + path, errno);
    if (n == 0) return Status::IOError("cannot write " + path + ": no progress");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

namespace {
constexpr std::string_view kTempInfix = ".tmp.";
constexpr size_t kTempSuffixSize = 16;  // a device id's worth of random hex (GenerateDeviceId)
}  // namespace

bool IsReplacementTempFile(std::string_view name) {
  return name.size() > kTempInfix.size() + kTempSuffixSize &&
         name.substr(name.size() - kTempSuffixSize - kTempInfix.size(), kTempInfix.size()) ==
             kTempInfix &&
         IsDeviceId(name.substr(name.size() - kTempSuffixSize));
}

Status ReplaceFileAtomically(int dir_fd, const std::string& name, const std::string& path,
                             std::string_view contents) {
  Result<std::string> suffix = GenerateDeviceId();
  if (!suffix.ok()) return suffix.status();
  const std::string temp = name + std::string(kTempInfix) + *suffix;
  UniqueFd fd(openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | kOpenFlags, 0600));
  if (!fd.valid()) return ErrnoStatus("cannot create a temporary file next to " + path, errno);
  auto fail = [&](Status s) {
    unlinkat(dir_fd, temp.c_str(), 0);
    return s;
  };
  if (fchmod(fd.get(), 0600) != 0) return fail(ErrnoStatus("cannot chmod " + path, errno));
  if (Status s = WriteAllAt(fd.get(), contents, 0, path); !s.ok()) return fail(s);
  if (fsync(fd.get()) != 0) return fail(ErrnoStatus("cannot fsync " + path, errno));
  fd.Reset();
  if (renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) {
    return fail(ErrnoStatus("cannot rename the new " + path + " into place", errno));
  }
  if (fsync(dir_fd) != 0) return ErrnoStatus("cannot fsync the directory of " + path, errno);
  return Status::Ok();
}

}  // namespace pamtotp
