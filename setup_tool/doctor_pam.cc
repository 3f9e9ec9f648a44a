// totpctl doctor: the PAM service files (doctor.h). Lines are read the way Linux-PAM reads
// them: '#' comments, '\' continuations, an optional '-' before the type, a control that is a
// word or "[value=action ...]", and arguments that may be bracketed to hold spaces.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/module_options.h"
#include "setup_tool/doctor.h"

namespace pamtotp::totpctl {
namespace {

constexpr size_t kMaxServiceFile = size_t{256} * 1024;
constexpr int kMaxIncludeDepth = 8;

struct PamLine {
  size_t number = 0;  // of the line's first physical line
  std::vector<std::string> tokens;
};

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxServiceFile, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// Splits one logical line into tokens; a bracketed token keeps its brackets only as the
// control ("[success=1 default=ignore]"); as an argument it is the text inside, "\]" unescaped.
std::vector<std::string> Tokenize(std::string_view line) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string token;
    if (line[i] == '[') {
      const bool control = tokens.size() == 1;
      if (control) token += '[';
      for (++i; i < line.size() && line[i] != ']'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == ']') ++i;
        token += line[i];
      }
      if (control) token += ']';
      ++i;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') token += line[i++];
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::vector<PamLine> ParseService(std::string_view text) {
  std::vector<PamLine> lines;
  std::string logical;
  size_t number = 0, first = 0;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view physical = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++number;
    if (logical.empty()) first = number;
    if (!physical.empty() && physical.back() == '\\') {
      logical.append(physical.substr(0, physical.size() - 1)).push_back(' ');
      continue;
    }
    logical.append(physical);
    std::string_view content = logical;
    content = content.substr(0, content.find('#'));
    std::vector<std::string> tokens = Tokenize(content);
    if (!tokens.empty()) lines.push_back(PamLine{first, std::move(tokens)});
    logical.clear();
  }
  return lines;
}

bool IsTotp(const std::string& module) {
  return module == "pam_totp.so" || module.ends_with("/pam_totp.so");
}

std::vector<std::string> ServiceNames(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (struct dirent* entry = readdir(d)) {
    std::string name = entry->d_name;
    if (name.empty() || name.front() == '.' || name.back() == '~' ||
        name.find(".dpkg-") != std::string::npos) {
      continue;
    }
    names.push_back(std::move(name));
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool UsesTotp(const DoctorPaths& paths, const std::string& service, int depth) {
  if (depth > kMaxIncludeDepth || service.find('/') != std::string::npos) return false;
  std::optional<std::string> text = ReadSmallFile(paths.pam_dir + "/" + service);
  if (!text) return false;
  for (const PamLine& line : ParseService(*text)) {
    const std::vector<std::string>& t = line.tokens;
    if (t[0] == "@include" && t.size() >= 2 && UsesTotp(paths, t[1], depth + 1)) return true;
    if (t.size() < 3) continue;
    if (IsTotp(t[2])) return true;
    if ((t[1] == "include" || t[1] == "substack") && UsesTotp(paths, t[2], depth + 1)) {
      return true;
    }
  }
  return false;
}

// What is wrong with the way one line uses the module.
void CheckUse(const std::string& where, const std::vector<std::string>& t,
              std::vector<Finding>& out) {
  std::string type = t[0];
  if (type.starts_with('-')) {
    out.push_back({"pam", Level::kWarn,
                   where + ": '" + type + "' skips the line without a word if pam_totp.so " +
                       "cannot be loaded, and then no code is asked",
                   "remove the '-' before " + type.substr(1)});
    type = type.substr(1);
  }
  if (type != "auth" && type != "account") {
    out.push_back({"pam", Level::kWarn, where + ": pam_totp.so does nothing in '" + type + "'",
                   "remove the line"});
    return;
  }
  if (type == "auth" && t[1] == "optional") {
    out.push_back({"pam", Level::kFail,
                   where + ": with 'optional', a wrong code does not stop the login",
                   "use required"});
  } else if (type == "auth" && t[1] == "sufficient") {
    out.push_back({"pam", Level::kWarn,
                   where + ": with 'sufficient', a right code alone logs in and the modules " +
                       "after it (often the password) are skipped",
                   "use required, unless that is what you want"});
  }
  if (std::find(t.begin() + 3, t.end(), "nullok") != t.end()) {
    out.push_back({"pam", Level::kWarn,
                   where + ": nullok lets users without a device log in without a code",
                   "remove nullok once everyone is enrolled (totpctl status --user NAME)"});
  }
}

// The arguments, through the module's own parser (core/module_options.h).
void CheckArguments(const DoctorPaths& paths, const std::string& where,
                    const std::vector<std::string>& t, std::vector<Finding>& out) {
  std::vector<std::string_view> args(t.begin() + 3, t.end());
  bool given = false;
  std::string config_path = ModuleConfigPath(args, given);
  config_path = given ? paths.Under(config_path) : paths.config;
  ModuleOptions options;
  Status s = LoadConfigFile(config_path, given, options.config);
  if (s.ok()) s = ApplyModuleArguments(args, options);
  if (!s.ok()) {
    out.push_back({"pam", Level::kFail, where + ": " + s.message(),
                   "correct it (see pam_totp(8)); until then pam_totp denies every login here"});
  }
}

}  // namespace

bool ServiceUsesTotp(const DoctorPaths& paths, std::string_view service) {
  return UsesTotp(paths, std::string(service), 0);
}

void CheckPamServices(const DoctorPaths& paths, std::vector<Finding>& out) {
  struct stat st;
  if (stat(paths.pam_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    out.push_back({"pam", Level::kFail, "there is no PAM service directory " + paths.pam_dir,
                   "install libpam-runtime, or pass --pam-dir"});
    return;
  }
  size_t uses = 0;
  for (const std::string& service : ServiceNames(paths.pam_dir)) {
    std::optional<std::string> text = ReadSmallFile(paths.pam_dir + "/" + service);
    if (!text) continue;
    for (const PamLine& line : ParseService(*text)) {
      const std::vector<std::string>& t = line.tokens;
      if (t.size() < 3 || t[0] == "@include" || !IsTotp(t[2])) continue;
      ++uses;
      const std::string where =
          paths.pam_dir + "/" + service + " line " + std::to_string(line.number);
      std::string text_line;
      for (const std::string& token : t) text_line += (text_line.empty() ? "" : " ") + token;
      const size_t before = out.size();
      CheckUse(where, t, out);
      CheckArguments(paths, where, t, out);
      if (out.size() == before) {
        std::string message = where;
        message.append(": ").append(text_line);
        out.push_back({"pam", Level::kOk, std::move(message), ""});
      }
    }
  }
  if (uses == 0) {
    out.push_back({"pam", Level::kWarn, "no service in " + paths.pam_dir + " uses pam_totp.so",
                   "add 'auth required pam_totp.so' to the services that should ask for a "
                   "code (see pam_totp(8))"});
  }
}

}  // namespace pamtotp::totpctl
