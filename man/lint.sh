#!/bin/sh
# Lints manual pages: formats each page given as an argument with man(1) and groff(1),
# warnings enabled, and fails if anything at all is printed on standard error.
# Usage: lint.sh PAGE...    (run by ctest as man_lint)
set -u

if [ "$#" -eq 0 ]; then
  echo "usage: lint.sh PAGE..." >&2
  exit 2
fi
for tool in man groff; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint.sh: '$tool' is missing; install it with: apt-get install man-db groff-base" >&2
    exit 1
  fi
done

failed=0
for page in "$@"; do
  if [ ! -r "$page" ]; then
    echo "$page: cannot read the page" >&2
    failed=1
    continue
  fi
  # man's own check, as a reader's man(1) would format the page.
  out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
        man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
  status=$?
  # groff with every warning category turned on (man --warnings enables only some).
  out2=$(LC_ALL=C.UTF-8 groff -man -ww -z -K utf8 -Tutf8 "$page" 2>&1 >/dev/null)
  status2=$?
  # Examples (.EX) are not filled, so an overlong one overflows without a warning.
  width=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man -E UTF-8 -l "$page" 2>/dev/null |
          LC_ALL=C.UTF-8 wc -L)
  if [ -n "$out$out2" ] || [ "$status" -ne 0 ] || [ "$status2" -ne 0 ]; then
    echo "$page: formatting produced warnings (man exit $status, groff exit $status2):" >&2
    [ -n "$out" ] && printf '%s\n' "$out" >&2
    [ -n "$out2" ] && printf '%s\n' "$out2" >&2
    failed=1
  elif [ "$width" -gt 80 ]; then
    echo "$page: a line is $width columns wide at MANWIDTH=80; shorten or fold it" >&2
    failed=1
  else
    echo "$page: ok"
  fi
done
exit "$failed"
