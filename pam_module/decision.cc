#include "pam_module/decision.h"

#include <security/_pam_types.h>

namespace pamtotp::pam {

int ToPamCode(Decision decision) {
  switch (decision) {
    case Decision::kAllow:
      return PAM_SUCCESS;
    case Decision::kDeny:
      return PAM_AUTH_ERR;
    case Decision::kIgnore:
      return PAM_IGNORE;
    case Decision::kServiceError:
      return PAM_SERVICE_ERR;
    case Decision::kConversationError:
      return PAM_CONV_ERR;
    case Decision::kOutOfMemory:
      return PAM_BUF_ERR;
    case Decision::kAccountDenied:
      return PAM_PERM_DENIED;
    case Decision::kStoreUnavailable:
      return PAM_AUTHINFO_UNAVAIL;
  }
  return PAM_AUTH_ERR;  // not reached: the switch is exhaustive (-Wswitch)
}

Decision StoreErrorDecision(const Status& status) {
  return status.code() == Status::Code::kUnavailable ? Decision::kStoreUnavailable
                                                     : Decision::kDeny;
}

}  // namespace pamtotp::pam
