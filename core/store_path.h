// User names and store path templates: checked before any path is built from them.
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

// A template is an absolute path in which "%u" stands for the user name and "%%" for '%'.
// It must not contain "." or ".." components, and the text after the last "%u" must keep one
// user's files apart from another's (the state file is the path plus ".state").
Status ValidateStoreTemplate(std::string_view path_template);

// The user's devices file path. Validates both arguments.
Result<std::string> ExpandStorePath(std::string_view path_template, std::string_view user);

// True if the directory part of the template varies by user (then a missing directory just
// means "no devices"; otherwise it is a configuration error).
bool TemplateHasPerUserDirectory(std::string_view path_template);

}  // namespace pamtotp

#endif  // PAMTOTP_CORE_STORE_PATH_H_
