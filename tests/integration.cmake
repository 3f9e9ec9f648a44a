# Integration: the built pam_totp.so through the real libpam.
pamtotp_add_test(pam_integration_test SOURCES pam_integration_test.cc pam_harness.cc
                 LABELS integration LIBS ${PAM_LIBRARY})
set_target_properties(pam_integration_test PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(pam_integration_test pam_totp)

# The module exports the PAM entry points and nothing else.
add_test(NAME module_exports
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_exports.sh $<TARGET_FILE:pam_totp>)
set_tests_properties(module_exports PROPERTIES LABELS integration)

pamtotp_add_test(decision_test SOURCES decision_test.cc LABELS unit LIBS pamtotp_pamglue)

# pam_try: one authentication through libpam with a private service directory (the demo).
add_executable(pam_try tools/pam_try.cc)
target_link_libraries(pam_try PRIVATE ${PAM_LIBRARY} pamtotp_warnings pamtotp_hardening)
target_include_directories(pam_try PRIVATE ${PAM_INCLUDE_DIR})

# Where the code comes from (echo, try/use_first_pass, forward_pass) and who must give one
# (exempt_group, only_group). pam_authtok_probe.so is a test-only module that sets and checks
# PAM_AUTHTOK around pam_totp; it is never installed.
add_library(pam_authtok_probe MODULE tools/pam_authtok_probe.cc)
set_target_properties(pam_authtok_probe PROPERTIES PREFIX "")
target_include_directories(pam_authtok_probe PRIVATE ${PAM_INCLUDE_DIR})
target_link_libraries(pam_authtok_probe PRIVATE ${PAM_LIBRARY} pamtotp_warnings
                      pamtotp_hardening)
pamtotp_add_test(pam_input_test SOURCES pam_input_test.cc pam_harness.cc
                 LABELS integration LIBS ${PAM_LIBRARY})
set_target_properties(pam_input_test PROPERTIES ENABLE_EXPORTS ON)
target_compile_definitions(pam_input_test PRIVATE
                           PAM_AUTHTOK_PROBE_SO="$<TARGET_FILE:pam_authtok_probe>")
add_dependencies(pam_input_test pam_totp pam_authtok_probe)
# The same program under nss_wrapper (Debian libnss-wrapper), for users in supplementary
# groups without touching /etc. Without the library the test fails and says what to install.
find_library(NSS_WRAPPER_LIBRARY nss_wrapper)
if(NOT NSS_WRAPPER_LIBRARY)
  message(WARNING "libnss_wrapper not found (scripts/install-deps installs libnss-wrapper): "
                  "pam_input_nss_test will fail")
  set(NSS_WRAPPER_LIBRARY libnss_wrapper.so)
endif()
# Deep binding and the preload order check are off so that sanitizer builds run it too.
set(PAM_INPUT_NSS_ENV
  LD_PRELOAD=${NSS_WRAPPER_LIBRARY}
  NSS_WRAPPER_PASSWD=${CMAKE_CURRENT_BINARY_DIR}/pam_input_nss.passwd
  NSS_WRAPPER_GROUP=${CMAKE_CURRENT_BINARY_DIR}/pam_input_nss.group
  NSS_WRAPPER_DISABLE_DEEPBIND=1
  ASAN_OPTIONS=verify_asan_link_order=0)
add_test(NAME pam_input_nss_test COMMAND pam_input_test nss_wrapper)
set_tests_properties(pam_input_nss_test PROPERTIES LABELS integration TIMEOUT 300
                     ENVIRONMENT "${PAM_INPUT_NSS_ENV}")

pamtotp_add_test(pam_policy_test SOURCES pam_policy_test.cc pam_harness.cc LABELS integration
                 LIBS ${PAM_LIBRARY})
set_target_properties(pam_policy_test PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(pam_policy_test pam_totp)

# store=~/...: a user "carol" from nss_wrapper (Debian libnss-wrapper). The test runs itself
# again with LD_PRELOAD and its own passwd and group files, so it also runs outside ctest.
find_library(NSS_WRAPPER_LIBRARY nss_wrapper)
pamtotp_add_test(pam_home_store_test SOURCES pam_home_store_test.cc pam_harness.cc
                 LABELS integration LIBS ${PAM_LIBRARY})
set_target_properties(pam_home_store_test PROPERTIES ENABLE_EXPORTS ON)
target_compile_definitions(pam_home_store_test PRIVATE NSS_WRAPPER_SO="${NSS_WRAPPER_LIBRARY}")
add_dependencies(pam_home_store_test pam_totp)
