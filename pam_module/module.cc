// The C ABI of pam_totp.so: short shims that never let an exception out.
#include <security/pam_modules.h>

#include <exception>
#include <new>

#include "pam_module/account.h"
#include "pam_module/authenticate.h"
#include "pam_module/decision.h"

#define PAMTOTP_EXPORT extern "C" __attribute__((visibility("default")))

PAMTOTP_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  using pamtotp::pam::Decision;
  try {
    return pamtotp::pam::ToPamCode(pamtotp::pam::Authenticate(pamh, flags, argc, argv));
  } catch (const std::bad_alloc&) {
    return pamtotp::pam::ToPamCode(Decision::kOutOfMemory);
  } catch (...) {
    return pamtotp::pam::ToPamCode(Decision::kDeny);
  }
}

// A user locked out by failed codes is refused here too (see account.h).
PAMTOTP_EXPORT int pam_sm_acct_mgmt(pam_handle_t* pamh, int /*flags*/, int argc,
                                    const char** argv) {
  using pamtotp::pam::Decision;
  try {
    return pamtotp::pam::ToPamCode(pamtotp::pam::CheckAccount(pamh, argc, argv));
  } catch (const std::bad_alloc&) {
    return pamtotp::pam::ToPamCode(Decision::kOutOfMemory);
  } catch (...) {
    return pamtotp::pam::ToPamCode(Decision::kDeny);
  }
}

// No credentials to establish: the code was the whole job.
PAMTOTP_EXPORT int pam_sm_setcred(pam_handle_t* /*pamh*/, int /*flags*/, int /*argc*/,
                                  const char** /*argv*/) {
  return PAM_SUCCESS;
}
