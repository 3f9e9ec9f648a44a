// totpctl doctor: the module, sshd, configuration, store, helper and clock checks (doctor.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "core/safe_file.h"
#include "core/store_format.h"
#include "core/store_open.h"
#include "core/store_path.h"
#include "setup_tool/doctor.h"
#include "setup_tool/self_service.h"

namespace pamtotp::totpctl {
namespace {

constexpr size_t kMaxSshdOutput = size_t{256} * 1024;
constexpr size_t kMaxFileFindings = 10;
constexpr std::string_view kNoPrivsepDir = "Missing privilege separation directory: ";

std::string Octal(mode_t mode) {
  std::string text(4, '0');
  for (size_t i = 4; i-- > 0; mode >>= 3) text[i] = static_cast<char>('0' + (mode & 7));
  return text;
}

// Core's messages end with what to run ("...; run chmod 700 /x"): that part is the fix.
Finding FromStatus(const std::string& check, Level level, const Status& s) {
  const std::string& m = s.message();
  size_t run = m.find("; run ");
  if (run != std::string::npos) return {check, level, m.substr(0, run), m.substr(run + 6)};
  return {check, level, m, ""};
}

// Where PAM loads modules from: the directory holding pam_unix.so, as CMakeLists.txt finds it.
std::optional<std::string> FindModuleDir(const DoctorPaths& paths, std::string& searched) {
  if (paths.module_dir) return *paths.module_dir;
  const std::string arch = PAMTOTP_MULTIARCH;
  std::vector<std::string> candidates;
  if (!arch.empty()) {
    candidates.push_back("/lib/" + arch + "/security");
    candidates.push_back("/usr/lib/" + arch + "/security");
  }
  for (const char* dir :
       {"/lib64/security", "/usr/lib64/security", "/lib/security", "/usr/lib/security"}) {
    candidates.emplace_back(dir);
  }
  for (const std::string& dir : candidates) {
    const std::string full = paths.Under(dir);
    searched += (searched.empty() ? "" : ", ") + full;
    if (access((full + "/pam_unix.so").c_str(), F_OK) == 0) return full;
  }
  return std::nullopt;
}

// Owner and mode of something root trusts: root's, and writable by nobody else. `mode` is the
// one to suggest; `risk` says what a writer could do.
bool CheckRootOwned(const std::string& check, const std::string& path, const struct stat& st,
                    std::vector<Finding>& out, const std::string& mode = "",
                    const std::string& risk = "change every login") {
  if (st.st_uid != 0) {
    out.push_back({check, Level::kFail,
                   path + " is owned by uid " + std::to_string(st.st_uid) + ", not root",
                   "chown root:root " + path});
    return false;
  }
  const bool sticky = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
  if ((st.st_mode & 022) != 0 && !sticky) {
    out.push_back({check, Level::kFail,
                   path + " has mode " + Octal(st.st_mode) +
                       ": writable by group or others, who could then " + risk,
                   "chmod " +
                       (!mode.empty()         ? mode
                        : S_ISDIR(st.st_mode) ? "755"
                                              : "644") +
                       " " + path});
    return false;
  }
  return true;
}

std::map<std::string, std::string> ParseSshdSettings(const std::string& text) {
  std::map<std::string, std::string> settings;
  std::string line;
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    line = text.substr(start, end - start);
    start = end + 1;
    size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string key = line.substr(0, space);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    settings.emplace(key, line.substr(space + 1));  // the first one counts, as in sshd
  }
  return settings;
}

std::optional<std::string> SshdOutput(const DoctorPaths& paths, std::vector<Finding>& out) {
  if (paths.sshd_config) {
    std::ifstream in(*paths.sshd_config, std::ios::binary);
    std::string text(kMaxSshdOutput, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad() || (!in && in.gcount() == 0 && !in.eof())) {
      out.push_back({"sshd", Level::kFail, "cannot read " + *paths.sshd_config, ""});
      return std::nullopt;
    }
    text.resize(static_cast<size_t>(in.gcount()));
    return text;
  }
  if (getuid() != 0) {
    out.push_back({"sshd", Level::kWarn, "sshd -T needs root, so sshd's settings were not checked",
                   "run totpctl doctor as root"});
    return std::nullopt;
  }
  ProgramOutput sshd = RunProgram("sshd", {"-T"});
  if (!sshd.found) {
    out.push_back({"sshd", Level::kOk, "sshd is not installed; nothing to check", ""});
    return std::nullopt;
  }
  if (!sshd.ran || sshd.exit_code != 0) {
    std::string first = sshd.err.substr(0, sshd.err.find('\n'));
    if (first.ends_with('\r')) first.pop_back();  // sshd logs to stderr with CRLF
    if (sshd.ran && first.starts_with(kNoPrivsepDir)) {
      // sshd makes this directory when it starts, so it is missing on a fresh install whose
      // sshd never ran; sshd -T refuses to work without it although the config may be fine.
      const std::string dir = first.substr(kNoPrivsepDir.size());
      out.push_back({"sshd", Level::kWarn,
                     "sshd -T cannot run while its privilege separation directory " + dir +
                         " is missing (sshd has not run since boot), so sshd's settings were "
                         "not checked",
                     "start sshd, or run mkdir -m 755 " + dir + ", then run totpctl doctor again"});
      return std::nullopt;
    }
    out.push_back({"sshd", Level::kFail, "sshd -T failed: " + first,
                   "run sshd -t and correct /etc/ssh/sshd_config"});
    return std::nullopt;
  }
  return sshd.out;
}

void CheckAuthenticationMethods(const std::string& methods, std::vector<Finding>& out) {
  const std::string fix =
      "set AuthenticationMethods publickey,keyboard-interactive (a key, then the code) or "
      "keyboard-interactive (password and code through PAM) in /etc/ssh/sshd_config";
  if (methods.empty() || methods == "any") {
    out.push_back({"sshd", Level::kWarn,
                   "AuthenticationMethods is any: a login with a key alone does not go through "
                   "PAM's auth stack, so no code is asked",
                   fix});
    return;
  }
  size_t lists = 0, with_code = 0;
  for (size_t start = 0; start < methods.size();) {
    size_t end = std::min(methods.find(' ', start), methods.size());
    std::string list = "," + methods.substr(start, end - start);
    start = end + 1;
    if (list.size() == 1) continue;
    ++lists;
    with_code += list.find(",keyboard-interactive") != std::string::npos;
  }
  if (with_code == 0) {
    out.push_back({"sshd", Level::kFail,
                   "AuthenticationMethods " + methods +
                       " never uses keyboard-interactive, so sshd never asks pam_totp",
                   fix});
  } else if (with_code < lists) {
    out.push_back({"sshd", Level::kWarn,
                   "AuthenticationMethods " + methods +
                       " lets some logins through without keyboard-interactive, and so "
                       "without a code",
                   fix});
  } else {
    out.push_back({"sshd", Level::kOk,
                   "AuthenticationMethods " + methods + ": every login asks for the code", ""});
  }
}

}  // namespace

void CheckModule(const DoctorPaths& paths, std::vector<Finding>& out) {
  std::string searched;
  std::optional<std::string> dir = FindModuleDir(paths, searched);
  if (!dir) {
    out.push_back({"module", Level::kFail,
                   "cannot tell where PAM loads modules from: no pam_unix.so in " + searched,
                   "install libpam-modules, or pass --module-dir DIR"});
    return;
  }
  const std::string path = *dir + "/pam_totp.so";
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    const std::string built = paths.Under(PAMTOTP_PAM_MODULE_DIR) + "/pam_totp.so";
    const bool elsewhere = built != path && access(built.c_str(), F_OK) == 0;
    out.push_back({"module", Level::kFail,
                   path + " is missing: PAM loads modules from " + *dir +
                       (elsewhere ? ", but pam_totp.so is in " + built : ""),
                   elsewhere ? "rebuild with cmake -DPAM_MODULE_DIR=" + *dir + " and reinstall"
                             : "install pam_totp (cmake --install BUILD, or the package)"});
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    out.push_back(
        {"module", Level::kWarn, path + " is a symlink", "install the file itself there"});
    if (stat(path.c_str(), &st) != 0) {
      out.push_back({"module", Level::kFail, path + " is a dangling symlink", "reinstall"});
      return;
    }
  }
  if (!S_ISREG(st.st_mode)) {
    out.push_back({"module", Level::kFail, path + " is not a regular file", "reinstall"});
    return;
  }
  struct stat dir_st;
  bool ok = CheckRootOwned("module", path, st, out);
  if (stat(dir->c_str(), &dir_st) == 0) ok = CheckRootOwned("module", *dir, dir_st, out) && ok;
  if ((st.st_mode & 0004) == 0) {
    out.push_back({"module", Level::kWarn,
                   path + " has mode " + Octal(st.st_mode) +
                       ": programs that check codes as the user (screen lockers) cannot load it",
                   "chmod 644 " + path});
    ok = false;
  }
  if (ok) {
    out.push_back(
        {"module", Level::kOk,
         path + ": where PAM loads modules from, owned by root, mode " + Octal(st.st_mode), ""});
  }
}

void CheckSshd(const DoctorPaths& paths, std::vector<Finding>& out) {
  if (!ServiceUsesTotp(paths, "sshd")) {
    out.push_back({"sshd", Level::kOk, paths.pam_dir + "/sshd does not use pam_totp.so", ""});
    return;
  }
  std::optional<std::string> text = SshdOutput(paths, out);
  if (!text) return;
  std::map<std::string, std::string> settings = ParseSshdSettings(*text);
  if (settings["usepam"] != "yes") {
    out.push_back({"sshd", Level::kFail, "UsePAM is not yes: sshd never asks pam_totp",
                   "set UsePAM yes in /etc/ssh/sshd_config and reload sshd"});
  } else {
    out.push_back({"sshd", Level::kOk, "UsePAM yes", ""});
  }
  std::string kbd = settings.count("kbdinteractiveauthentication") != 0
                        ? settings["kbdinteractiveauthentication"]
                        : settings["challengeresponseauthentication"];
  if (kbd != "yes") {
    out.push_back({"sshd", Level::kFail,
                   "KbdInteractiveAuthentication is not yes: sshd cannot show the code prompt",
                   "set KbdInteractiveAuthentication yes in /etc/ssh/sshd_config and reload "
                   "sshd"});
  } else {
    out.push_back({"sshd", Level::kOk, "KbdInteractiveAuthentication yes", ""});
  }
  CheckAuthenticationMethods(settings["authenticationmethods"], out);
}

void CheckConfig(const DoctorPaths& paths, Config& config, std::vector<Finding>& out) {
  if (Status s = LoadConfigFile(paths.config, paths.config_given, config); !s.ok()) {
    config = Config();
    out.push_back({"config", Level::kFail, s.message(),
                   "correct " + paths.config +
                       " (see pam_totp.conf(5)); until then pam_totp denies every login"});
    return;
  }
  struct stat st;
  out.push_back({"config", Level::kOk,
                 stat(paths.config.c_str(), &st) == 0
                     ? paths.config + " is valid"
                     : paths.config + " is not there; the defaults apply",
                 ""});
}

}  // namespace pamtotp::totpctl

namespace pamtotp::totpctl {
namespace {

// The directory the store's files are in, or above the per-user directories.
std::string StoreDirectory(const std::string& path_template) {
  size_t user = path_template.find("%u");
  size_t slash = path_template.rfind('/', user == std::string::npos ? std::string::npos : user);
  return slash == 0 ? "/" : path_template.substr(0, slash);
}

// Every file in the store directory: root's, mode 0600, one link, a sane size; and no
// temporary files left by interrupted writes (they may hold secrets of devices removed since).
void CheckStoreFiles(int dir_fd, const std::string& dir, std::vector<Finding>& out,
                     size_t& checked) {
  DIR* d = fdopendir(dup(dir_fd));
  if (d == nullptr) return;
  size_t bad = 0;
  std::vector<std::string> leftovers;
  while (struct dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.front() == '.') continue;
    if (IsReplacementTempFile(name)) leftovers.push_back(name);
    std::string path = dir;
    path.append("/").append(name);
    UniqueFd fd(
        openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    Status s = fd.valid() ? CheckSafeFile(fd.get(), path, kMaxDeviceFileSize, TrustedOwner::Root(),
                                          nullptr)
                          : ErrnoStatus("cannot open " + path, errno);
    ++checked;
    if (!s.ok() && ++bad <= kMaxFileFindings) out.push_back(FromStatus("store", Level::kFail, s));
  }
  closedir(d);
  if (bad > kMaxFileFindings) {
    out.push_back({"store", Level::kFail,
                   std::to_string(bad - kMaxFileFindings) + " more files in " + dir +
                       " have the same kind of problem",
                   ""});
  }
  if (!leftovers.empty()) {
    std::sort(leftovers.begin(), leftovers.end());
    const std::string count = std::to_string(leftovers.size());
    out.push_back({"store", Level::kWarn,
                   count + (leftovers.size() == 1 ? " temporary file" : " temporary files") +
                       " left in " + dir + " by interrupted writes (first: " + leftovers.front() +
                       "); logins ignore them, but they may hold secrets of removed devices",
                   "while no totpctl runs, rm " + dir + "/*.tmp.*"});
  }
}

}  // namespace

// store = ldap: the directory answers, this host's identity binds, and it can see ldap_base
// (a host that cannot would take everyone for unenrolled).
void CheckDirectory(const Config& config, std::vector<Finding>& out) {
  if (getuid() != 0) {
    out.push_back({"store", Level::kWarn,
                   "the directory store needs root to read its bind password or key",
                   "run totpctl doctor as root"});
    return;
  }
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(config, "root");
  Status s = store.ok() ? (*store)->ReadDevices("root").status() : store.status();
  if (!s.ok()) {
    out.push_back(FromStatus("store", Level::kFail, s));
    return;
  }
  out.push_back(
      {"store", Level::kOk,
       "directory " + config.ldap.uris.front() + ": bound, " + config.ldap.base + " readable", ""});
}

void CheckStore(const DoctorPaths& paths, const Config& config, std::vector<Finding>& out) {
  if (config.UsesLdap()) {
    CheckDirectory(config, out);
    return;
  }
  if (TemplateUsesHome(config.store)) {
    out.push_back({"store", Level::kOk,
                   "devices are kept in users' home directories (store = " + config.store +
                       "); each store is checked when its user logs in",
                   ""});
    return;
  }
  const std::string dir = paths.Under(StoreDirectory(config.store));
  Result<UniqueFd> fd = OpenSafeDirectory(dir, TrustedOwner::Root());
  if (!fd.ok()) {
    const Status& s = fd.status();
    const bool denied = s.message().ends_with(std::strerror(EACCES));
    if (getuid() != 0 && denied) {
      out.push_back({"store", Level::kWarn, "cannot look into " + dir + " as a user",
                     "run totpctl doctor as root"});
    } else if (s.code() == Status::Code::kNotFound) {
      out.push_back({"store", Level::kFail, "the store directory " + dir + " does not exist",
                     "mkdir -m 700 " + dir + " (as root)"});
    } else {
      out.push_back(FromStatus("store", Level::kFail, s));
    }
    return;
  }
  struct stat st;
  if (fstat(fd->get(), &st) == 0 && (st.st_mode & 077) != 0) {
    out.push_back({"store", Level::kWarn,
                   dir + " has mode " + Octal(st.st_mode) + ": others can see who is enrolled",
                   "chmod 700 " + dir});
  }
  size_t checked = 0;
  const size_t before = out.size();
  if (!TemplateHasPerUserDirectory(config.store) && getuid() == 0) {
    CheckStoreFiles(fd->get(), dir, out, checked);
  }
  if (out.size() == before) {
    out.push_back({"store", Level::kOk,
                   dir + ": owned by root, mode " + Octal(st.st_mode) + ", " +
                       std::to_string(checked) + (checked == 1 ? " file" : " files") + " checked",
                   ""});
  }
}

void CheckHelper(const DoctorPaths& paths, const Config& config, std::vector<Finding>& out) {
  if (TemplateUsesHome(config.store)) {
    out.push_back(
        {"helper", Level::kOk, "stores are in home directories: users need no helper", ""});
    return;
  }
  const bool self_service =
      config.allow_self_enroll || config.allow_self_remove || config.allow_self_show;
  const std::string path = paths.Under(HelperPath());
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (!self_service) {
      out.push_back({"helper", Level::kOk,
                     path + " is not installed, and users may not change their devices", ""});
    } else {
      out.push_back({"helper", Level::kWarn,
                     path + " is not installed: users cannot enroll or remove devices "
                            "themselves, though the policy allows it",
                     "install pam_totp's totpctl-helper setuid root, or set allow_self_enroll "
                     "= no and allow_self_remove = no"});
    }
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    out.push_back({"helper", Level::kFail, path + " is not a regular file", "reinstall it"});
    return;
  }
  if (!CheckRootOwned("helper", path, st, out, "4755", "run anything as root")) return;
  if ((st.st_mode & S_ISUID) == 0) {
    out.push_back({"helper", Level::kWarn,
                   path + " is not setuid: users cannot change their own devices",
                   "chmod 4755 " + path});
    return;
  }
  out.push_back({"helper", Level::kOk,
                 path + " is setuid root (mode " + Octal(st.st_mode) + ")" +
                     (self_service ? "" : "; the policy lets users change nothing"),
                 ""});
}

void CheckClock(std::vector<Finding>& out) {
  const std::string fix = "timedatectl set-ntp true, or install chrony";
  ProgramOutput t = RunProgram("timedatectl", {"show", "-p", "NTPSynchronized", "--value"});
  if (t.ran && t.exit_code == 0 && (t.out == "yes\n" || t.out == "no\n")) {
    out.push_back(t.out == "yes\n"
                      ? Finding{"clock", Level::kOk, "the clock is synchronised (timedatectl)", ""}
                      : Finding{"clock", Level::kFail,
                                "the clock is not synchronised (timedatectl): codes are refused "
                                "once it is 30 seconds off",
                                fix});
    return;
  }
  ProgramOutput c = RunProgram("chronyc", {"tracking"});
  if (c.ran && c.exit_code == 0 && c.out.find("Leap status") != std::string::npos) {
    const bool synced = c.out.find("Not synchronised") == std::string::npos;
    out.push_back({"clock", synced ? Level::kOk : Level::kFail,
                   synced ? "the clock is synchronised (chronyc tracking)"
                          : "chrony has not synchronised the clock",
                   synced ? "" : "check chronyc sources"});
    return;
  }
  ProgramOutput n = RunProgram("ntpq", {"-pn"});
  if (n.ran && n.exit_code == 0) {
    const bool synced = n.out.starts_with('*') || n.out.find("\n*") != std::string::npos;
    out.push_back({"clock", synced ? Level::kOk : Level::kFail,
                   synced ? "the clock is synchronised (ntpq: a source is selected)"
                          : "ntpd has selected no time source",
                   synced ? "" : "check ntpq -p"});
    return;
  }
  out.push_back({"clock", Level::kWarn,
                 "cannot tell whether the clock is synchronised (timedatectl, chronyc and ntpq "
                 "gave no answer)",
                 "make sure a time service keeps the clock right: " + fix});
}

}  // namespace pamtotp::totpctl
