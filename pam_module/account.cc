#include "pam_module/account.h"

#include <security/pam_ext.h>
#include <syslog.h>

#include <ctime>

#include "core/store_path.h"
#include "core/verifier.h"
#include "pam_module/log.h"
#include "pam_module/options.h"
#include "pam_module/user_store.h"

namespace pamtotp::pam {

Decision CheckAccount(pam_handle_t* pamh, int argc, const char** argv) {
  Result<Options> options = ParseOptions(argc, argv);
  if (!options.ok()) {
    pam_syslog(pamh, LOG_ERR, "configuration error, failing closed: %s",
               options.status().message().c_str());
    return Decision::kServiceError;
  }
  const char* name = nullptr;
  if (pam_get_user(pamh, &name, nullptr) != PAM_SUCCESS || name == nullptr) return Decision::kDeny;
  Attempt attempt(pamh, name);
  if (Status s = ValidateUserName(attempt.user()); !s.ok()) {
    attempt.Log(LOG_ERR, "account: refusing the user name: " + s.message());
    return Decision::kDeny;
  }
  Result<std::unique_ptr<Store>> store = OpenUserStore(attempt, *options);
  Enrollment enrollment;
  UserState state;
  Status read =
      store.ok() ? (*store)->ReadState(attempt.user(), enrollment, state) : store.status();
  if (!read.ok()) {
    attempt.Log(LOG_ERR, "account: store error, denied: " + read.message());
    return StoreErrorDecision(read);
  }
  int64_t until = 0;
  if (IsLockedOut(state, std::time(nullptr), options->config, until)) {
    attempt.Log(LOG_WARNING, "account: locked out after " + std::to_string(state.failures) +
                                 " failed codes; denied");
    return Decision::kAccountDenied;
  }
  return Decision::kAllow;
}

}  // namespace pamtotp::pam
