#include "core/store_path.h"

#include <climits>
#include <optional>

namespace pamtotp {
namespace {

inline constexpr std::string_view kStateSuffix = ".state";
inline constexpr size_t kMaxPathLength = PATH_MAX / 2;

bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// True if an absolute path has an empty, "." or ".." component ("/a//b", "/a/./b").
bool HasDotOrEmptyPart(std::string_view path) {
  std::string_view rest = path;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    std::string_view part = rest.substr(0, rest.find('/'));
    if (part == "." || part == ".." || part.empty()) return true;
    rest.remove_prefix(part.size());
  }
  return false;
}

// Checks the '%' escapes of an absolute path template; sets `last_user` to the position of
// the last "%u" (npos if none).
Status CheckEscapes(std::string_view t, size_t& last_user) {
  last_user = std::string_view::npos;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '%') continue;
    if (i + 1 < t.size() && t[i + 1] == '%') {
      ++i;
    } else if (i + 1 < t.size() && t[i + 1] == 'u') {
      last_user = i;
      ++i;
    } else {
      return Status::InvalidArgument("store path: only %u and %% may follow '%'");
    }
  }
  return Status::Ok();
}

// The state file of user A is file(A) + ".state". It would be the devices file of user
// B = A + ".state" - suffix unless suffix + ".state" cannot end with suffix. A '/' after %u
// puts the user in a directory name, which keeps users apart by itself.
bool UsersCanCollide(std::string_view t, size_t last_user) {
  std::string suffix(t.substr(last_user + 2));
  return suffix.find('/') == std::string::npos &&
         (suffix + std::string(kStateSuffix)).ends_with(suffix);
}

// Expands %u and %% in `t` (already validated) after `prefix`.
std::string Substitute(std::string_view prefix, std::string_view t, std::string_view user) {
  std::string path(prefix);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '%' && t[i + 1] == 'u') {
      path += user;
      ++i;
    } else if (t[i] == '%') {
      path += '%';
      ++i;
    } else {
      path += t[i];
    }
  }
  return path;
}

}  // namespace

Status ValidateUserName(std::string_view user) {
  if (user.empty()) return Status::InvalidArgument("the user name is empty");
  if (user.size() > kMaxUserNameLength) {
    return Status::InvalidArgument("the user name is longer than 256 bytes");
  }
  if (user == "." || user == "..") return Status::InvalidArgument("the user name is a dot name");
  for (char c : user) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/') return Status::InvalidArgument("the user name contains '/'");
    if (u < 0x20 || u == 0x7f) {
      return Status::InvalidArgument("the user name contains a control character");
    }
  }
  return Status::Ok();
}

bool TemplateUsesHome(std::string_view path_template) { return path_template.starts_with("~/"); }

Status ValidateStoreTemplate(std::string_view path_template) {
  const bool home = TemplateUsesHome(path_template);
  if (!home && path_template.starts_with('~')) {
    return Status::InvalidArgument(
        "store path: '~' must be followed by '/', as in ~/.pam_totp (~user is not supported)");
  }
  std::string_view path =
      home ? path_template.substr(1) : path_template;  // the part after "~" is absolute too
  if (path.empty() || path.front() != '/') {
    return Status::InvalidArgument("store path must be absolute (start with '/')");
  }
  if (path.size() > kMaxPathLength) return Status::InvalidArgument("store path is too long");
  if (path.find('~') != std::string_view::npos) {
    return Status::InvalidArgument(
        "store path: '~' (the home directory) may only start the path, as in ~/.pam_totp");
  }
  if (HasControlCharacter(path)) {
    return Status::InvalidArgument("store path contains a control character");
  }
  size_t last_user = std::string_view::npos;
  if (Status s = CheckEscapes(path, last_user); !s.ok()) return s;
  if (path.back() == '/') {
    return Status::InvalidArgument("store path must name a file, not a directory");
  }
  if (HasDotOrEmptyPart(path)) {
    return Status::InvalidArgument("store path must not contain empty, '.' or '..' parts");
  }
  if (home) return Status::Ok();  // one home per user: no %u needed, no shared directory
  if (last_user == std::string_view::npos) {
    return Status::InvalidArgument("store path must contain %u (one file per user)");
  }
  if (UsersCanCollide(path, last_user)) {
    return Status::InvalidArgument(
        "store path must end with a suffix after %u, such as %u.totp, so that one user's "
        "files cannot be another user's");
  }
  return Status::Ok();
}

Status ValidateHomeDirectory(std::string_view home, std::string_view user) {
  const std::string whose = "the home directory of " + std::string(user);
  if (HasControlCharacter(home)) {
    return Status::InvalidArgument(whose + " contains a control character");
  }
  if (home.empty() || home.front() != '/') {
    return Status::InvalidArgument(whose + " (" + std::string(home) +
                                   ") is not an absolute path; a store under ~ needs one");
  }
  if (home.size() > kMaxPathLength) return Status::InvalidArgument(whose + " is too long");
  while (home.size() > 1 && home.back() == '/') home.remove_suffix(1);
  if (home == "/") {
    return Status::InvalidArgument(whose + " is /, which cannot hold a store of its own");
  }
  if (HasDotOrEmptyPart(home)) {
    return Status::InvalidArgument(whose + " (" + std::string(home) +
                                   ") has empty, '.' or '..' parts");
  }
  return Status::Ok();
}

Result<std::string> ExpandStorePath(std::string_view path_template, std::string_view user) {
  if (!TemplateUsesHome(path_template)) return ExpandStorePath(path_template, user, "");
  if (Status s = ValidateUserName(user); !s.ok()) return s;
  if (Status s = ValidateStoreTemplate(path_template); !s.ok()) return s;
  return Status::InvalidArgument("store path " + std::string(path_template) +
                                 " is in the home directory; it needs the user's passwd entry");
}

Result<std::string> ExpandStorePath(std::string_view path_template, std::string_view user,
                                    std::string_view home) {
  if (Status s = ValidateUserName(user); !s.ok()) return s;
  if (Status s = ValidateStoreTemplate(path_template); !s.ok()) return s;
  if (!TemplateUsesHome(path_template)) return Substitute("", path_template, user);
  if (Status s = ValidateHomeDirectory(home, user); !s.ok()) return s;
  while (home.back() == '/') home.remove_suffix(1);  // not "/": checked above
  return Substitute(home, path_template.substr(1), user);
}

bool TemplateHasPerUserDirectory(std::string_view path_template) {
  if (TemplateUsesHome(path_template)) return true;
  std::string_view dir = path_template.substr(0, path_template.rfind('/'));
  for (size_t i = 0; i + 1 < dir.size(); ++i) {
    if (dir[i] != '%') continue;
    if (dir[i + 1] == 'u') return true;
    ++i;  // "%%" is a literal percent sign
  }
  return false;
}

}  // namespace pamtotp
