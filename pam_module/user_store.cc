#include "pam_module/user_store.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace pamtotp::pam {
namespace {

// Adds, to a "Permission denied" error, why: the program calling PAM does not run as root (a
// screen locker runs as the user), so the module can only use files that uid may read.
class NotRootStore final : public Store {
 public:
  explicit NotRootStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  Result<Enrollment> ReadDevices(std::string_view user) override {
    Result<Enrollment> enrollment = inner_->ReadDevices(user);
    if (!enrollment.ok()) return Explain(enrollment.status());
    return enrollment;
  }
  Status ReadState(std::string_view user, Enrollment& enrollment, UserState& state) override {
    return Explain(inner_->ReadState(user, enrollment, state));
  }
  Status EditDevices(std::string_view user, const DeviceEditor& edit) override {
    return Explain(inner_->EditDevices(user, edit));
  }
  Status UpdateState(std::string_view user, const StateUpdater& update) override {
    return Explain(inner_->UpdateState(user, update));
  }
  std::string Describe(std::string_view user) const override { return inner_->Describe(user); }

 private:
  static Status Explain(const Status& s) {
    if (s.code() != Status::Code::kPermissionDenied ||
        !s.message().ends_with(std::strerror(EACCES))) {
      return s;
    }
    return Status::PermissionDenied(s.message() + " (this program runs as uid " +
                                    std::to_string(geteuid()) +
                                    ", not root: pam_totp can only use a store that uid may "
                                    "read, such as store=~/.pam_totp)");
  }

  std::unique_ptr<Store> inner_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenUserStore(const Attempt& attempt, const Options& options) {
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(options.config, attempt.user());
  if (!store.ok() || geteuid() == 0) return store;
  return std::unique_ptr<Store>(std::make_unique<NotRootStore>(std::move(store).value()));
}

}  // namespace pamtotp::pam
