# Hardening: concurrency stress, fault injection and a table of hostile inputs, all through the
# built pam_totp.so and totpctl. scripts/hardening also runs the fuzzers (fuzz/), this suite
# under ASan+UBSan, valgrind and static analysis.

# fault_shim.so: LD_PRELOAD'ed into totpctl and pam_try to fail the Nth write, fsync, rename or
# fallocate. Plain C, no sanitizer: it must load ahead of everything else.
add_library(fault_shim MODULE tools/fault_shim.c)
set_target_properties(fault_shim PROPERTIES PREFIX "")
target_compile_options(fault_shim PRIVATE -Wall -Wextra -Wshadow -Wconversion -Wformat=2
                       $<$<BOOL:${PAMTOTP_WERROR}>:-Werror>)
target_link_libraries(fault_shim PRIVATE ${CMAKE_DL_LIBS})

# pamtotp_add_pam_test(NAME): a test program that drives the module through libpam.
function(pamtotp_add_pam_test name)
  pamtotp_add_test(${name} SOURCES ${name}.cc pam_harness.cc hardening_support.cc
                   LABELS integration hardening
                   LIBS ${PAM_LIBRARY})
  set_target_properties(${name} PROPERTIES ENABLE_EXPORTS ON)
  target_include_directories(${name} PRIVATE ${PAM_INCLUDE_DIR})
  target_compile_definitions(${name} PRIVATE PAM_TRY="$<TARGET_FILE:pam_try>"
                             FAULT_SHIM_SO="$<TARGET_FILE:fault_shim>")
  add_dependencies(${name} pam_totp totpctl pam_try fault_shim)
endfunction()

pamtotp_add_pam_test(stress_test)
pamtotp_add_pam_test(fault_test)
pamtotp_add_pam_test(hostile_input_test)
