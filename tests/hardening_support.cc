#include "tests/hardening_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "core/otp.h"
#include "core/random.h"
#include "core/store_format.h"

namespace pamtotp::testing {

std::unique_ptr<Store> OpenStoreOrFail(const std::string& store_template) {
  Result<std::unique_ptr<Store>> store = OpenFileStore(store_template);
  if (!store.ok()) throw std::runtime_error(store.status().message());
  return std::move(store).value();
}

std::string HotpCode(const std::string& raw_key, uint64_t counter) {
  Result<uint32_t> value = Hotp(SecretBytes::FromString(raw_key), counter, HashAlgorithm::kSha1, 6);
  if (!value.ok()) throw std::runtime_error(value.status().message());
  return std::string(FormatCode(*value, 6).view());
}

std::string EnrollHotp(const std::string& store_template, const std::string& user,
                       const std::string& name) {
  Result<SecretBytes> secret = GenerateSecret(HashAlgorithm::kSha1);
  Result<std::string> id = GenerateDeviceId();
  if (!secret.ok() || !id.ok()) throw std::runtime_error("no randomness");
  std::string key(secret->view());
  std::string hex;
  for (char byte : key) {
    auto c = static_cast<unsigned char>(byte);
    hex.push_back("0123456789abcdef"[c >> 4]);
    hex.push_back("0123456789abcdef"[c & 15]);
  }
  CommandResult oath = RunCommand({OATHTOOL, "--hotp", "-c", "0", hex});
  if (oath.exit_code != 0 || oath.out != HotpCode(key, 0) + "\n") {
    throw std::runtime_error("oathtool disagrees with HotpCode: " + oath.out + oath.err);
  }
  Device device{*id, name, std::move(secret).value(), HashAlgorithm::kSha1,
                6,   30,   std::time(nullptr),        OtpType::kHotp,
                0};
  Status s = OpenStoreOrFail(store_template)->EditDevices(user, [&](Enrollment& e) {
    e.devices.push_back(std::move(device));
    return Status::Ok();
  });
  if (!s.ok()) throw std::runtime_error(s.message());
  return key;
}

StoreFiles InspectStore(const std::string& devices_path) {
  StoreFiles files;
  files.devices_exist = access(devices_path.c_str(), F_OK) == 0;
  files.state_exists = access((devices_path + ".state").c_str(), F_OK) == 0;
  std::map<std::string, std::string> names_by_id;
  if (files.devices_exist) {
    Result<Enrollment> devices = ParseDeviceFile(ReadFile(devices_path));
    if (!devices.ok()) {
      files.error = devices_path + ": " + devices.status().message();
      return files;
    }
    for (const Device& d : devices->devices) {
      files.names.push_back(d.name);
      names_by_id[d.id] = d.name;
    }
  }
  if (files.state_exists) {
    Result<StateFile> state = ParseStateFile(ReadFile(devices_path + ".state"));
    if (!state.ok()) {
      files.error = devices_path + ".state: " + state.status().message();
      return files;
    }
    files.failures = state->state.failures;
    for (const DeviceState& d : state->state.devices) {
      if (names_by_id.count(d.id) != 0) files.last_step[names_by_id[d.id]] = d.last_step;
    }
  }
  return files;
}

std::vector<std::string> TempFilesIn(const std::string& dir) {
  std::vector<std::string> found;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return found;
  while (dirent* entry = readdir(d)) {
    std::string name = entry->d_name;
    if (name.find(".tmp.") != std::string::npos) found.push_back(name);
  }
  closedir(d);
  return found;
}

namespace {

void SetEnv(const Env& env) {
  for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
  const char* asan = std::getenv("ASAN_OPTIONS");
  std::string options = asan != nullptr ? std::string(asan) + ":" : "";
  setenv("ASAN_OPTIONS", (options + "verify_asan_link_order=0").c_str(), 1);
}

// Sets `env` for the lifetime of the object, restoring what was there.
class ScopedEnv {
 public:
  explicit ScopedEnv(const Env& env) {
    for (const auto& [name, value] : env) Save(name);
    Save("ASAN_OPTIONS");
    SetEnv(env);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value.first) {
        setenv(name.c_str(), value.second.c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void Save(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    saved_[name] = {v != nullptr, v != nullptr ? v : ""};
  }
  std::map<std::string, std::pair<bool, std::string>> saved_;
};

}  // namespace

CommandResult RunWithEnv(const std::vector<std::string>& argv, const Env& env,
                         const std::string& input) {
  ScopedEnv scoped(env);
  return RunCommand(argv, input);
}

pid_t Spawn(const std::vector<std::string>& argv, const Env& env) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  SetEnv(env);
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0);
  dup2(null, 1);
  dup2(null, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

std::vector<int> RunTogether(int count, const std::function<int(int)>& body, unsigned timeout) {
  int go[2];
  if (pipe(go) != 0) throw std::runtime_error("pipe failed");
  std::vector<pid_t> children;
  for (int i = 0; i < count; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      close(go[1]);
      alarm(timeout);  // a deadlocked child dies instead of hanging the test
      char byte;
      if (read(go[0], &byte, 1) < 0) _exit(125);
      try {
        _exit(body(i));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", i, e.what());
        _exit(126);
      }
    }
    children.push_back(pid);
  }
  close(go[0]);
  close(go[1]);  // EOF releases every child at once
  std::vector<int> codes;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return codes;
}

}  // namespace pamtotp::testing
