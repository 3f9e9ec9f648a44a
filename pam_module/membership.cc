#include "pam_module/membership.h"

#include <grp.h>
#include <pwd.h>
#include <security/pam_modutil.h>
#include <syslog.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "core/safe_file.h"

namespace pamtotp::pam {
namespace {

// Group and passwd entries are small; a buffer this big means something is wrong.
constexpr size_t kMaxLookupBuffer = 1 << 20;

// getgrnam_r or getpwnam_r (`lookup`) with a buffer that grows while it is too small.
// Returns 0 with `found` set, 0 with `found` null when there is no such name, or an errno.
template <typename Entry, typename Lookup>
int LookUp(Lookup lookup, const std::string& name, Entry& entry, Entry*& found,
           std::vector<char>& buffer) {
  buffer.resize(4096);
  for (;;) {
    found = nullptr;
    int rc = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < kMaxLookupBuffer) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc == ENOENT || rc == ESRCH) {  // how some NSS modules say "no such name"
      found = nullptr;
      return 0;
    }
    return rc;
  }
}

struct Group {
  gid_t gid = 0;
  std::vector<std::string> members;  // supplementary members, by user name
};

// A group named in an option must exist: a typo in only_group= must not let everyone through.
Result<Group> FindGroup(const std::string& name) {
  struct group entry = {};
  struct group* found = nullptr;
  std::vector<char> buffer;
  if (int rc = LookUp(getgrnam_r, name, entry, found, buffer); rc != 0) {
    return ErrnoStatus("cannot look up group '" + Printable(name) + "'", rc);
  }
  if (found == nullptr) return Status::NotFound("group '" + Printable(name) + "' does not exist");
  Group group;
  group.gid = found->gr_gid;
  for (char** member = found->gr_mem; member != nullptr && *member != nullptr; ++member) {
    group.members.emplace_back(*member);
  }
  return group;
}

struct User {
  std::string name;  // as the passwd entry spells it
  gid_t gid = 0;     // primary group
};

// The user's passwd entry, or nullopt if there is none. A failed lookup (not "no such user")
// is an error, so that an unreachable directory service fails closed.
Result<std::optional<User>> FindUser(const std::string& name) {
  struct passwd entry = {};
  struct passwd* found = nullptr;
  std::vector<char> buffer;
  if (int rc = LookUp(getpwnam_r, name, entry, found, buffer); rc != 0) {
    return ErrnoStatus("cannot look up user '" + Printable(name) + "'", rc);
  }
  if (found == nullptr) return std::optional<User>();
  return std::optional<User>(User{found->pw_name, found->pw_gid});
}

// Primary group, or listed in the entry looked up above, or a member as libpam sees it
// (pam_modutil_user_in_group_nam_nam adds getgrouplist(3), which also finds memberships that a
// directory service does not list in the group entry). A user with no passwd entry is in no
// group.
bool IsMember(const Attempt& attempt, const std::optional<User>& user, const std::string& name,
              const Group& group) {
  if (!user) return false;
  if (user->gid == group.gid ||
      std::find(group.members.begin(), group.members.end(), user->name) != group.members.end()) {
    return true;
  }
  return pam_modutil_user_in_group_nam_nam(attempt.pamh(), user->name.c_str(), name.c_str()) == 1;
}

Result<std::optional<Group>> GroupOption(const std::string& name) {
  if (name.empty()) return std::optional<Group>();
  Result<Group> group = FindGroup(name);
  if (!group.ok()) return group.status();
  return std::optional<Group>(std::move(group).value());
}

}  // namespace

Result<bool> MustGiveCode(const Attempt& attempt, const Options& options) {
  if (options.exempt_group.empty() && options.only_group.empty()) return true;
  // Both groups are looked up before either decides, so a typo in one fails closed even for
  // members of the other.
  Result<std::optional<Group>> exempt = GroupOption(options.exempt_group);
  if (!exempt.ok()) return exempt.status();
  Result<std::optional<Group>> only = GroupOption(options.only_group);
  if (!only.ok()) return only.status();
  Result<std::optional<User>> user = FindUser(attempt.user());
  if (!user.ok()) return user.status();
  if (!*user && options.debug) {
    attempt.Log(LOG_DEBUG, "no passwd entry for this user, so in no group");
  }
  if (*exempt && IsMember(attempt, *user, options.exempt_group, **exempt)) {
    attempt.Log(LOG_INFO,
                "member of exempt group '" + Printable(options.exempt_group) + "'; not asked");
    return false;
  }
  if (*only && !IsMember(attempt, *user, options.only_group, **only)) {
    attempt.Log(LOG_INFO, "not in group '" + Printable(options.only_group) + "'; not asked");
    return false;
  }
  return true;
}

}  // namespace pamtotp::pam
