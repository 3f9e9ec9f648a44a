# Unit tests: core only, one program per core source file (core/foo.cc <-> tests/foo_test.cc).
pamtotp_add_test(base32_test SOURCES base32_test.cc LABELS unit)
pamtotp_add_test(hex_test SOURCES hex_test.cc LABELS unit)
pamtotp_add_test(otp_test SOURCES otp_test.cc LABELS unit)
pamtotp_add_test(otpauth_uri_test SOURCES otpauth_uri_test.cc LABELS unit)
pamtotp_add_test(store_format_test SOURCES store_format_test.cc LABELS unit)
pamtotp_add_test(ldap_format_test SOURCES ldap_format_test.cc LABELS unit)
pamtotp_add_test(store_path_test SOURCES store_path_test.cc LABELS unit)
pamtotp_add_test(config_test SOURCES config_test.cc LABELS unit)
pamtotp_add_test(file_store_test SOURCES file_store_test.cc LABELS unit)
pamtotp_add_test(verifier_test SOURCES verifier_test.cc LABELS unit)
pamtotp_add_test(recovery_test SOURCES recovery_test.cc LABELS unit)
# setfsuid is wrapped so that a test can make it refuse, as it would without CAP_SETUID.
pamtotp_add_test(fs_identity_test SOURCES fs_identity_test.cc LABELS unit
                 LIBS -Wl,--wrap=setfsuid)
