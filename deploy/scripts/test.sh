#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is missing, builds with
# the dev preset (warnings are errors) and runs every test, then builds and runs the same suite
# under AddressSanitizer + UndefinedBehaviorSanitizer (asan preset), then fuzzes the policy parser,
# the EDR token check and the DSP message reader for 60 s each (fuzz preset, clang;
# tests/fuzz/run.sh).
#
#   deploy/scripts/test.sh            dev, then asan, then fuzz
#   deploy/scripts/test.sh --quick    dev only
#
# Tests that need PostgreSQL start their own throwaway cluster (label pg); HTTPS tests generate
# their certificates at run time. Conformance tests read $CX_REFERENCE_DIR when it is set.
set -euo pipefail
cd "$(dirname "$0")/../.."

presets=(dev asan)
fuzz=1
if [ "${1:-}" = "--quick" ]; then presets=(dev); fuzz=0; fi

bash deploy/scripts/install-deps.sh
# The conformance tests' independent checkers, pinned by their lock file: ajv (aspect payloads,
# DSP 2025-1 messages: validate.mjs, validate-dsp.mjs) and jsonld.js (expand-jsonld.mjs). Tests
# that need them print "SKIPPED: <reason>" when they are missing.
npm ci --prefix tests/conformance/validator --no-audit --no-fund --loglevel=error

for preset in "${presets[@]}"; do
  echo "== ${preset}: configure and build"
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}"
  echo "== ${preset}: test"
  ctest --preset "${preset}" -j 2
done

if [ "${fuzz}" = "1" ]; then
  JOBS=2 bash tests/fuzz/run.sh 60
fi
