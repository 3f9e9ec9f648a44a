#include "core/store_open.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "core/ldap_plugin.h"
#include "core/safe_file.h"
#include "core/unique_fd.h"

namespace pamtotp {
namespace {

// The backend's store, and the shared object its code lives in: the store is deleted first.
class PluginStore final : public Store {
 public:
  PluginStore(void* handle, Store* inner) : handle_(handle), inner_(inner) {}
  ~PluginStore() override {
    inner_.reset();
    dlclose(handle_);
  }
  PluginStore(const PluginStore&) = delete;
  PluginStore& operator=(const PluginStore&) = delete;

  Result<Enrollment> ReadDevices(std::string_view user) override {
    return inner_->ReadDevices(user);
  }
  Status ReadState(std::string_view user, Enrollment& enrollment, UserState& state) override {
    return inner_->ReadState(user, enrollment, state);
  }
  Status EditDevices(std::string_view user, const DeviceEditor& edit) override {
    return inner_->EditDevices(user, edit);
  }
  Status UpdateState(std::string_view user, const StateUpdater& update) override {
    return inner_->UpdateState(user, update);
  }
  std::string Describe(std::string_view user) const override { return inner_->Describe(user); }

 private:
  void* handle_;
  std::unique_ptr<Store> inner_;
};

// Code loaded into sshd as root: the file must be root's (or ours, unprivileged) and nobody
// else may be able to change it. Checked on the descriptor dlopen then reads.
Result<UniqueFd> OpenLibrary(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT) {
      return Status::NotFound("the directory backend " + path +
                              " is not installed (store = ldap needs it)");
    }
    return ErrnoStatus("cannot open the directory backend " + path, err);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::PermissionDenied(path + " is not a regular file");
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return Status::PermissionDenied(path + " must be owned by root");
  }
  if ((st.st_mode & 022) != 0) {
    return Status::PermissionDenied(path + " is writable by group or others; refusing to load it");
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenLdapStore(const LdapConfig& ldap) {
  const std::string path = ldap.library.empty() ? std::string(PAMTOTP_LDAP_LIBRARY) : ldap.library;
  Result<UniqueFd> fd = OpenLibrary(path);
  if (!fd.ok()) return fd.status();
  // dlopen reads the descriptor that was checked, not the name again. RTLD_NODELETE: libldap
  // and its TLS library register exit handlers, which must not outlive their code when
  // pam_end unloads us; they stay mapped for the life of the process (one login, in sshd).
  const std::string fd_path = "/proc/self/fd/" + std::to_string(fd->get());
  void* handle = dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr && access("/proc/self/fd", X_OK) != 0) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  }
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status::Internal("cannot load the directory backend " + path + ": " +
                            (why != nullptr ? why : "unknown error"));
  }
  auto open_store = reinterpret_cast<LdapPluginOpen>(dlsym(handle, kLdapPluginSymbol));
  if (open_store == nullptr) {
    dlclose(handle);
    return Status::Internal(path + " is not a pam_totp directory backend");
  }
  Store* store = nullptr;
  Status error;
  if (open_store(kLdapPluginAbi, kLdapPluginSizes, &ldap, &store, &error) == 0 ||
      store == nullptr) {
    dlclose(handle);
    if (error.ok()) return Status::Internal(path + " failed without saying why");
    return error;
  }
  return std::unique_ptr<Store>(std::make_unique<PluginStore>(handle, store));
}

Result<std::unique_ptr<Store>> OpenConfiguredStore(const Config& config, std::string_view user) {
  if (config.UsesLdap()) return OpenLdapStore(config.ldap);
  return OpenFileStoreForUser(config.store, user);
}

}  // namespace pamtotp
