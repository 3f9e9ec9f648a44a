#include "core/store_path.h"

#include <climits>

namespace pamtotp {

inline constexpr std::string_view kStateSuffix = ".state";

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

Status ValidateStoreTemplate(std::string_view t) {
  if (t.empty() || t.front() != '/') {
    return Status::InvalidArgument("store path must be absolute (start with '/')");
  }
  if (t.size() > PATH_MAX / 2) return Status::InvalidArgument("store path is too long");
  if (t.front() == '~' || t.find("/~") != std::string_view::npos) {
    return Status::InvalidArgument("store path: '~' (home directory) is not supported yet");
  }
  size_t last_user = std::string_view::npos;
  for (size_t i = 0; i < t.size(); ++i) {
    if (static_cast<unsigned char>(t[i]) < 0x20) {
      return Status::InvalidArgument("store path contains a control character");
    }
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
  if (t.back() == '/')
    return Status::InvalidArgument("store path must name a file, not a directory");
  std::string_view rest = t;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    std::string_view part = rest.substr(0, rest.find('/'));
    if (part == "." || part == ".." || part.empty()) {
      return Status::InvalidArgument("store path must not contain empty, '.' or '..' parts");
    }
    rest.remove_prefix(part.size());
  }
  if (last_user == std::string_view::npos) {
    return Status::InvalidArgument("store path must contain %u (one file per user)");
  }
  {
    // The state file of user A is file(A) + ".state". It would be the devices file of user
    // B = A + ".state" - suffix unless suffix + ".state" cannot end with suffix.
    // A '/' after %u puts the user in a directory name, which keeps users apart by itself.
    std::string suffix(t.substr(last_user + 2));
    if (suffix.find('/') == std::string::npos &&
        (suffix + std::string(kStateSuffix)).ends_with(suffix)) {
      return Status::InvalidArgument(
          "store path must end with a suffix after %u, such as %u.totp, so that one user's "
          "files cannot be another user's");
    }
  }
  return Status::Ok();
}

Result<std::string> ExpandStorePath(std::string_view t, std::string_view user) {
  if (Status s = ValidateUserName(user); !s.ok()) return s;
  if (Status s = ValidateStoreTemplate(t); !s.ok()) return s;
  std::string path;
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

bool TemplateHasPerUserDirectory(std::string_view t) {
  std::string_view dir = t.substr(0, t.rfind('/'));
  for (size_t i = 0; i + 1 < dir.size(); ++i) {
    if (dir[i] != '%') continue;
    if (dir[i + 1] == 'u') return true;
    ++i;  // "%%" is a literal percent sign
  }
  return false;
}

}  // namespace pamtotp
