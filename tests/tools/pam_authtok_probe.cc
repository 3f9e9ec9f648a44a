// pam_authtok_probe.so: a test-only PAM module (never installed) that plays "the module
// before pam_totp" and "the module after it" around PAM_AUTHTOK. Arguments, done in order:
//   set=VALUE     sets PAM_AUTHTOK to VALUE
//   expect=VALUE  fails (PAM_AUTH_ERR) unless PAM_AUTHTOK is exactly VALUE
//   expect_unset  fails unless PAM_AUTHTOK is unset
// Each check logs "authtok_probe: <arg>: as expected" or "authtok_probe: <arg>: different".
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>

#include <string_view>

namespace {

// True if PAM_AUTHTOK is what `arg` expects.
bool Matches(pam_handle_t* pamh, std::string_view arg) {
  const void* item = nullptr;
  if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS) return false;
  if (arg == "expect_unset") return item == nullptr;
  return item != nullptr && std::string_view(static_cast<const char*>(item)) == arg.substr(7);
}

int Probe(pam_handle_t* pamh, int argc, const char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.starts_with("set=")) {
      if (pam_set_item(pamh, PAM_AUTHTOK, argv[i] + 4) != PAM_SUCCESS) return PAM_SERVICE_ERR;
    } else if (arg.starts_with("expect=") || arg == "expect_unset") {
      bool matches = Matches(pamh, arg);
      pam_syslog(pamh, LOG_INFO, "authtok_probe: %s: %s", argv[i],
                 matches ? "as expected" : "different");
      if (!matches) return PAM_AUTH_ERR;
    } else {
      pam_syslog(pamh, LOG_ERR, "authtok_probe: unknown argument %s", argv[i]);
      return PAM_SERVICE_ERR;
    }
  }
  return PAM_SUCCESS;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int pam_sm_authenticate(pam_handle_t* pamh,
                                                                          int /*flags*/, int argc,
                                                                          const char** argv) {
  return Probe(pamh, argc, argv);
}

extern "C" __attribute__((visibility("default"))) int pam_sm_setcred(pam_handle_t* /*pamh*/,
                                                                     int /*flags*/, int /*argc*/,
                                                                     const char** /*argv*/) {
  return PAM_SUCCESS;
}
