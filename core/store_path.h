// User names, home directories and store path templates: checked before any path is built
// from them.
#ifndef PAMTOTP_CORE_STORE_PATH_H_
#define PAMTOTP_CORE_STORE_PATH_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace pamtotp {

inline constexpr size_t kMaxUserNameLength = 256;

// Refuses an empty name, one over 256 bytes, ".", "..", and names holding '/', NUL or
// control characters (bytes below 0x20 and 0x7f).
Status ValidateUserName(std::string_view user);

// A template is an absolute path in which "%u" stands for the user name and "%%" for '%', or
// a path starting with "~/", where '~' stands for the user's home directory (from the passwd
// entry, never $HOME). '~' anywhere else is refused. A template must not contain "." or ".."
// components. A template outside the home must contain "%u", and the text after the last "%u"
// must keep one user's files apart from another's (the state file is the path plus ".state");
// a "~/" template needs neither, since every user has a home of their own.
Status ValidateStoreTemplate(std::string_view path_template);

// True if the template starts with "~/" (the store lives in each user's home directory).
bool TemplateUsesHome(std::string_view path_template);

// Refuses a home directory that a store cannot be put under: not absolute, "/" itself,
// holding empty, "." or ".." parts or control characters. `user` is only used in messages.
Status ValidateHomeDirectory(std::string_view home, std::string_view user);

// The user's devices file path. Validates every argument. A "~/" template needs the second
// form; `home` is the user's home directory from the passwd entry (ignored without '~').
Result<std::string> ExpandStorePath(std::string_view path_template, std::string_view user);
Result<std::string> ExpandStorePath(std::string_view path_template, std::string_view user,
                                    std::string_view home);

// True if the directory part of the template varies by user ("%u" in it, or the home
// directory): then a missing directory just means "no devices"; otherwise it is a
// configuration error.
bool TemplateHasPerUserDirectory(std::string_view path_template);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_STORE_PATH_H_
