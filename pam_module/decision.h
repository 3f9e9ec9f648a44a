// What the module decided, and the one place that maps it to a PAM return code.
#ifndef PAMTOTP_PAM_MODULE_DECISION_H_
#define PAMTOTP_PAM_MODULE_DECISION_H_

#include "core/status.h"

namespace pamtotp::pam {

enum class Decision {
  kAllow,              // a fresh code matched a device
  kDeny,               // wrong, replayed or malformed code; no device; store unreadable
  kIgnore,             // nullok and the user has no device: leave it to the other modules
  kServiceError,       // bad module argument or configuration file
  kConversationError,  // the application could not ask for the code
  kOutOfMemory,
  kAccountDenied,  // account phase: the user is locked out
  // The store could not be reached (directory server down or too slow): denied, but told
  // apart so a PAM stack may choose what to do ([authinfo_unavail=...], pam_totp(8)).
  kStoreUnavailable,
};

// kStoreUnavailable for a store that could not be reached, kDeny for any other store error.
Decision StoreErrorDecision(const Status& status);

// Exhaustive: every Decision has a row; only kAllow yields PAM_SUCCESS.
int ToPamCode(Decision decision);

}  // namespace pamtotp::pam

#endif  // PAMTOTP_PAM_MODULE_DECISION_H_
