#!/usr/bin/env bash
# The README's demo story, run non-interactively with the cxgw under test (CXGW_BIN): a small
# ERP on a throwaway PostgreSQL, the synced supplier gateway, two OEM gateways. Each step of the
# story prints a "RESULT step=…" line; this test checks every one of them and the exit code.
#   tests/e2e/demo_story_test.sh <cxgw binary>
set -uo pipefail
cxgw=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/cxgw-demo-story.XXXXXX)
chmod 755 "${work}"
trap 'rm -rf "${work}"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
supplier_port=$(free_port)
oem_port=$(free_port)
pg_port=$(free_port)

CXGW_BIN="${cxgw}" DEMO_SCALE=400 DEMO_RUN_DIR="${work}/run" DEMO_PG_PORT="${pg_port}" \
  DEMO_OEM_PORT="${oem_port}" CXGW_SERVER__PORT="${supplier_port}" \
  CXGW_DSP__PUBLIC_URL="https://localhost:${supplier_port}" \
  bash "${repo}/deploy/scripts/demo.sh" </dev/null >"${work}/demo.out" 2>&1
status=$?

failures=0
expect() {  # expect <description> <extended regex that a RESULT line must match>
  if grep -Eq "^RESULT $2\$" "${work}/demo.out"; then
    echo "ok:   $1"
  else
    echo "FAIL: $1: no line matching 'RESULT $2'; got: $(grep '^RESULT' "${work}/demo.out" | tr '\n' '|')"
    failures=$((failures + 1))
  fi
}
expect "4. the OEM finds the part by its serial number in the registry" "step=lookup parts=1"
expect "5. it fetches SerialPart, SingleLevelBomAsBuilt and the quality measurements" \
  "step=fetch aspects=SerialPart,SingleLevelBomAsBuilt,SpecialCharacteristicsMeasurement"
expect "6. a second OEM does not see the part (exit 3) and its output names it nowhere" \
  "step=isolation exit=3 leaked=0"
expect "7. the ERP change reaches the first OEM's change feed" "step=feed reported=1 seconds=[0-9.]+"
if [ "${status}" -ne 0 ]; then
  echo "FAIL: the demo exited with ${status}"
  failures=$((failures + 1))
fi
if [ "${failures}" -ne 0 ]; then
  echo "--- demo output ---"
  cat "${work}/demo.out"
  echo "--- supplier gateway log (last 40 lines) ---"
  tail -n 40 "${work}/run/gateway.log" 2>/dev/null
  exit 1
fi
echo "the demo story holds: every step's result as expected"
