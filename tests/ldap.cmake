# The directory backend's test server: Debian's slapd (packages slapd and ldap-utils) started by
# the tests themselves on 127.0.0.1, with our schema and example ACLs from packaging/ldap.
if(NOT PAMTOTP_LDAP)
  return()
endif()

# Tests of the LDAP store link this (LIBS pamtotp_slapd_harness); it uses test_support.cc,
# which pamtotp_add_test compiles into every test. Each test starts its own server.
add_library(pamtotp_slapd_harness STATIC slapd_harness.cc)
target_link_libraries(pamtotp_slapd_harness PUBLIC PkgConfig::CMOCKA
                      PRIVATE pamtotp_warnings pamtotp_hardening)
target_include_directories(pamtotp_slapd_harness PUBLIC ${PROJECT_SOURCE_DIR})
target_compile_definitions(pamtotp_slapd_harness PUBLIC
                           PAMTOTP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

pamtotp_add_test(slapd_harness_test SOURCES slapd_harness_test.cc slapd_harness.cc
                 LABELS integration)
target_compile_definitions(slapd_harness_test PRIVATE PAMTOTP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# The directory backend end to end: the Store contract, two hosts through libpam, totpctl.
pamtotp_add_test(ldap_store_test SOURCES ldap_store_test.cc pam_harness.cc LABELS integration
                 LIBS pamtotp_slapd_harness ${PAM_LIBRARY})
set_target_properties(ldap_store_test PROPERTIES ENABLE_EXPORTS ON)
target_compile_definitions(ldap_store_test PRIVATE
  LDAP_STORE_SO="$<TARGET_FILE:pamtotp_ldap_store>")
add_dependencies(ldap_store_test pam_totp pamtotp_ldap_store totpctl)

# libldap's own leak of a client certificate's key (tests/lsan.supp says why); the sanitizer
# build's leak check stays on for everything else, totpctl and the module included.
set_tests_properties(slapd_harness_test ldap_store_test PROPERTIES
                     ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/lsan.supp")
