#!/bin/sh
# Fails unless the module's dynamic symbol table defines exactly the PAM entry points, and
# the module is built with full RELRO and a non-executable stack.
set -eu
so="$1"
exported=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$exported" != "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred " ]; then
  echo "unexpected exports: $exported" >&2
  exit 1
fi
readelf -lW "$so" | grep -q GNU_RELRO || { echo "no RELRO" >&2; exit 1; }
readelf -dW "$so" | grep -q 'BIND_NOW\|FLAGS.*NOW' || { echo "no BIND_NOW" >&2; exit 1; }
if readelf -lW "$so" | grep GNU_STACK | grep -q RWE; then echo "executable stack" >&2; exit 1; fi
echo "exports: $exported"
