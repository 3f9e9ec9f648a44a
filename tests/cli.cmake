# totpctl, run as a program against a store in a temporary directory.
pamtotp_add_test(totpctl_test SOURCES totpctl_test.cc LABELS integration)
add_dependencies(totpctl_test totpctl)
