/* A deliberately broken stand-in for pam_totp.so, for checking the end-to-end tests: it asks
 * for a code the way pam_totp does and accepts any answer, for any user, any number of times.
 * scripts/e2e --accept-all-check compiles it into a temporary directory and runs the tests
 * with PAMTOTP_E2E_MODULE pointing at it: every check that a wrong, replayed or missing code is
 * refused must then fail. It is never installed. */
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdlib.h>
#include <string.h>

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  char *answer = NULL;
  (void)flags;
  (void)argc;
  (void)argv;
  if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &answer, "Verification code: ") != PAM_SUCCESS) {
    return PAM_CONV_ERR;
  }
  if (answer != NULL) {
    memset(answer, 0, strlen(answer));
    free(answer);
  }
  return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv) {
  (void)pamh;
  (void)flags;
  (void)argc;
  (void)argv;
  return PAM_SUCCESS;
}
