# End-to-end tests (label e2e): the build installed into a private copy of the machine (mount
# and PID namespaces with copy-on-write overlays, see tests/e2e/sandbox.py) and used through
# the real sshd, sudo, su, login and pamtester, configured by the README's recipes. They need
# root and those programs: without them they are skipped (exit 77), unless
# PAMTOTP_E2E_REQUIRED=1, which scripts/e2e sets after installing the packages.
find_program(PAMTOTP_PYTHON3 python3 HINTS /usr/bin)
foreach(name install sshd sudo console)
  add_test(NAME e2e_${name}
    COMMAND ${PAMTOTP_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_${name}.py
            --build ${CMAKE_BINARY_DIR} --cmake ${CMAKE_COMMAND})
  set_tests_properties(e2e_${name} PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
