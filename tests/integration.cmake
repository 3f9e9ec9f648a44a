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
