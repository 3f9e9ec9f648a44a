# totpctl, run as a program against a store in a temporary directory.
pamtotp_add_test(totpctl_test SOURCES totpctl_test.cc LABELS integration)
add_dependencies(totpctl_test totpctl)
# rename, verify, status, unlock and the enroll policy (totpctl_manage_test.cc).
pamtotp_add_test(totpctl_manage_test SOURCES totpctl_manage_test.cc LABELS integration)
add_dependencies(totpctl_manage_test totpctl)
target_compile_definitions(totpctl_manage_test PRIVATE
  TOTPCTL_COMPLETION="${PROJECT_SOURCE_DIR}/setup_tool/totpctl.bash-completion")
# import and recovery-codes (totpctl_import_test.cc): fixtures in tests/data/import, files
# written by Debian's google-authenticator, logins through libpam and the built pam_totp.so.
pamtotp_add_test(totpctl_import_test SOURCES totpctl_import_test.cc pam_harness.cc
                 LABELS integration LIBS ${PAM_LIBRARY})
set_target_properties(totpctl_import_test PROPERTIES ENABLE_EXPORTS ON)
target_compile_definitions(totpctl_import_test PRIVATE
                           TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
add_dependencies(totpctl_import_test totpctl pam_totp)
# QR codes in every terminal style, PNG and SVG, read back with zbarimg; show-qr.
pamtotp_add_test(totpctl_qr_test SOURCES totpctl_qr_test.cc LABELS integration LIBS util)
add_dependencies(totpctl_qr_test totpctl)
# doctor against a fake system under --root (totpctl_doctor_test.cc).
pamtotp_add_test(totpctl_doctor_test SOURCES totpctl_doctor_test.cc LABELS integration)
target_compile_definitions(totpctl_doctor_test PRIVATE
                           HELPER_INSTALL_PATH="${PAMTOTP_HELPER_DIR}/totpctl-helper")
add_dependencies(totpctl_doctor_test totpctl)
# Self-service through the setuid-root totpctl-helper, as an unprivileged user in a private
# mount namespace (totpctl_selfservice_test.cc says how). Needs root; skips itself otherwise.
pamtotp_add_test(totpctl_selfservice_test SOURCES totpctl_selfservice_test.cc LABELS integration)
target_compile_definitions(totpctl_selfservice_test PRIVATE
                           TOTPCTL_HELPER="$<TARGET_FILE:totpctl-helper>"
                           HELPER_INSTALL_PATH="${PAMTOTP_HELPER_DIR}/totpctl-helper")
add_dependencies(totpctl_selfservice_test totpctl totpctl-helper)
# migrate between file stores in a temporary directory (totpctl_migrate_test.cc). Needs root;
# run as anyone else it checks only the refusal, the help and the completion.
pamtotp_add_test(totpctl_migrate_test SOURCES totpctl_migrate_test.cc LABELS integration)
add_dependencies(totpctl_migrate_test totpctl)
target_compile_definitions(totpctl_migrate_test PRIVATE
  TOTPCTL_COMPLETION="${PROJECT_SOURCE_DIR}/setup_tool/totpctl.bash-completion")
