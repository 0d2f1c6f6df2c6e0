#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: clang, ASan + UBSan, build/fuzz) and runs the
# policy parser fuzzer for SECONDS (default 60), seeded at run time from policies/examples/*.jsonld
# in a temporary corpus directory (removed at exit; KEEP=1 keeps it).
#
#   tests/fuzz/run.sh [SECONDS]
#
# JOBS=N builds with N jobs (default 1). A crash, leak, UB report or timeout makes the script exit
# non-zero; the input that caused it is saved under build/fuzz/artifacts/ (FUZZ_ARTIFACTS=dir to
# change) and the command that replays it is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:-60}"
jobs="${JOBS:-1}"
fuzzer=build/fuzz/tests/fuzz/policy_parser_fuzzer
artifacts="${FUZZ_ARTIFACTS:-build/fuzz/artifacts}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; run deploy/scripts/install-deps.sh" >&2
  exit 1
fi

echo "== fuzz: configure and build (preset fuzz, -j${jobs})"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${jobs}"

corpus="$(mktemp -d -t cxgw-fuzz-corpus.XXXXXX)"
if [ "${KEEP:-0}" = "1" ]; then
  echo "fuzz: keeping the corpus in ${corpus}"
else
  trap 'rm -rf "${corpus}"' EXIT
fi
cp policies/examples/*.jsonld "${corpus}/"
mkdir -p "${artifacts}"

echo "== fuzz: policy_parser_fuzzer for ${seconds} s, $(ls "${corpus}" | wc -l) seeds from policies/examples"
status=0
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  "${fuzzer}" "${corpus}" \
    -max_total_time="${seconds}" -max_len=16384 -timeout=30 -rss_limit_mb=2048 \
    -dict=tests/fuzz/policy_parser.dict \
    -artifact_prefix="${artifacts}/" -print_final_stats=1 || status=$?

if [ "${status}" -ne 0 ]; then
  echo "fuzz: FAILED (exit ${status}); reproducer(s) in ${artifacts}:" >&2
  ls -l "${artifacts}" >&2
  echo "fuzz: replay with: ${fuzzer} ${artifacts}/<file>" >&2
  exit "${status}"
fi
echo "fuzz: OK, no crash in ${seconds} s ($(ls "${corpus}" | wc -l) corpus entries at the end)"
