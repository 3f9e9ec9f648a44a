#include "core/module_options.h"

namespace pamtotp {
namespace {

constexpr std::string_view kConfigPrefix = "config=";

// The flags: arguments without '='.
struct Flag {
  std::string_view name;
  void (*apply)(ModuleOptions& options);
};

constexpr Flag kFlags[] = {
    {"nullok", [](ModuleOptions& o) { o.nullok = true; }},
    {"debug", [](ModuleOptions& o) { o.debug = true; }},
    {"echo", [](ModuleOptions& o) { o.echo = true; }},
    {"try_first_pass", [](ModuleOptions& o) { o.pass_mode = PassMode::kTryFirstPass; }},
    {"use_first_pass", [](ModuleOptions& o) { o.pass_mode = PassMode::kUseFirstPass; }},
    {"forward_pass", [](ModuleOptions& o) { o.pass_mode = PassMode::kForwardPass; }},
};

// The key=value arguments that are not config settings.
Status ApplyModuleValue(std::string_view arg, std::string_view key, std::string_view value,
                        ModuleOptions& options, bool& known) {
  known = true;
  if (key == "exempt_group" || key == "only_group") {
    if (value.empty() || value.size() > 256 || value.find(',') != std::string_view::npos) {
      return Status::InvalidArgument("module argument: " + std::string(arg) +
                                     ": give one group name");
    }
    (key == "exempt_group" ? options.exempt_group : options.only_group) = value;
  } else if (arg == "enroll=first_login") {
    options.enroll = EnrollMode::kFirstLogin;
  } else if (arg == "enroll=none") {
    options.enroll = EnrollMode::kNone;
  } else {
    known = false;
  }
  return Status::Ok();
}

}  // namespace

std::string ModuleConfigPath(std::span<const std::string_view> args, bool& given) {
  std::string path(kDefaultConfigPath);
  given = false;
  for (std::string_view arg : args) {
    if (arg.starts_with(kConfigPrefix)) {
      path = std::string(arg.substr(kConfigPrefix.size()));
      given = true;
    }
  }
  return path;
}

Status ApplyModuleArguments(std::span<const std::string_view> args, ModuleOptions& options) {
  for (std::string_view arg : args) {
    if (arg.starts_with(kConfigPrefix)) continue;
    const Flag* flag = nullptr;
    for (const Flag& f : kFlags) {
      if (f.name == arg) flag = &f;
    }
    if (flag != nullptr) {
      flag->apply(options);
      continue;
    }
    size_t eq = arg.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("module argument: unknown option '" + std::string(arg) + "'");
    }
    bool known = false;
    Status s = ApplyModuleValue(arg, arg.substr(0, eq), arg.substr(eq + 1), options, known);
    if (!s.ok()) return s;
    if (known) continue;
    s = ApplySetting(options.config, arg.substr(0, eq), arg.substr(eq + 1), "module argument");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<ModuleOptions> ParseModuleOptions(std::span<const std::string_view> args) {
  ModuleOptions options;
  bool given = false;
  const std::string path = ModuleConfigPath(args, given);
  if (Status s = LoadConfigFile(path, given, options.config); !s.ok()) return s;
  if (Status s = ApplyModuleArguments(args, options); !s.ok()) return s;
  return options;
}

}  // namespace pamtotp
