#!/usr/bin/env bash
# Usage: expect_planted_violations.sh CHECKER FIXTURE_ROOT
#
# Runs the include checker on a tree of planted violations and fails unless it exits with 1 and
# reports exactly the planted ones: every line marked `// expect-violation: TEXT` must appear in
# the output as "file:line: ...TEXT...", and no other line may be reported.
set -uo pipefail

if [[ $# -ne 2 || ! -f $1 || ! -d $2 ]]; then
  echo "usage: $0 CHECKER FIXTURE_ROOT" >&2
  exit 2
fi
checker=$1
fixture=${2%/}

output=$(bash "$checker" "$fixture")
status=$?
echo "$output"
echo "---"

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

[[ $status -eq 1 ]] || fail "checker exited with $status, expected 1"

# "FILE:LINE<TAB>TEXT" for each marker, FILE relative to the fixture root.
# shellcheck disable=SC2016  # the awk program is meant to be literal
markers=$(cd "$fixture" && find . -type f ! -name README.md -print0 | sort -z |
  xargs -0 awk '
    match($0, /expect-violation: .*/) {
      file = FILENAME
      sub(/^\.\//, "", file)
      print file ":" FNR "\t" substr($0, RSTART + length("expect-violation: "))
    }')
planted=0
while IFS=$'\t' read -r location text; do
  [[ -n $location ]] || continue
  planted=$((planted + 1))
  if ! grep -F -- "$location: " <<<"$output" | grep -qF -- "$text"; then
    fail "planted violation not reported: $location: $text"
  fi
done <<<"$markers"
[[ $planted -gt 0 ]] || fail "no expect-violation markers under $fixture"

reported=$(grep -cE '^[^ :]+:[0-9]+: ' <<<"$output")
[[ $reported -eq $planted ]] || fail "checker reported $reported violations, $planted are planted"
grep -qx "checked [0-9]* files, $planted violations" <<<"$output" ||
  fail "summary line \"checked N files, $planted violations\" missing"

if [[ $failures -gt 0 ]]; then
  echo "$failures expectation(s) failed"
  exit 1
fi
echo "all $planted planted violations reported, nothing else"
