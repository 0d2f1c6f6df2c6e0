#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: clang, ASan + UBSan, build/fuzz) and runs each for
# SECONDS (default 60), seeded at run time in a temporary corpus directory (removed at exit;
# KEEP=1 keeps it):
#   policy_parser_fuzzer  JSON-LD expansion, policy parsing and evaluation; seeds
#                         policies/examples/*.jsonld
#   edr_token_fuzzer      the data plane's EDR token check; seeds tests/fuzz/edr_token_seeds/*
#                         (the first byte picks what the input becomes; see the fuzzer's header)
#   dsp_codec_fuzzer      Dataspace Protocol messages as partners send them; seeds
#                         tests/fuzz/dsp_codec_seeds/* (the first byte picks the version)
#
#   tests/fuzz/run.sh [SECONDS]
#
# JOBS=N builds with N jobs (default 1). A crash, leak, UB report, failed check or timeout makes
# the script exit non-zero; the input that caused it is saved under build/fuzz/artifacts/
# (FUZZ_ARTIFACTS=dir to change) and the command that replays it is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:-60}"
jobs="${JOBS:-1}"
artifacts="${FUZZ_ARTIFACTS:-build/fuzz/artifacts}"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; run deploy/scripts/install-deps.sh" >&2
  exit 1
fi

echo "== fuzz: configure and build (preset fuzz, -j${jobs})"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${jobs}"
mkdir -p "${artifacts}"

corpora=()
cleanup() { if [ "${KEEP:-0}" != "1" ] && [ "${#corpora[@]}" -gt 0 ]; then rm -rf "${corpora[@]}"; fi; }
trap cleanup EXIT

# fuzz NAME MAX_LEN SEED... [-- LIBFUZZER_OPTION...]
fuzz() {
  local name="$1" max_len="$2"
  shift 2
  local seeds=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
  [ "$#" -gt 0 ] && shift
  local fuzzer="build/fuzz/tests/fuzz/${name}"
  local corpus
  corpus="$(mktemp -d -t "cxgw-fuzz-${name}.XXXXXX")"
  corpora+=("${corpus}")
  [ "${KEEP:-0}" = "1" ] && echo "fuzz: keeping the corpus of ${name} in ${corpus}"
  cp "${seeds[@]}" "${corpus}/"
  echo "== fuzz: ${name} for ${seconds} s, ${#seeds[@]} seeds"
  local status=0
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "${fuzzer}" "${corpus}" \
      -max_total_time="${seconds}" -max_len="${max_len}" -timeout=30 -rss_limit_mb=2048 \
      -artifact_prefix="${artifacts}/${name}-" -print_final_stats=1 "$@" || status=$?
  if [ "${status}" -ne 0 ]; then
    echo "fuzz: ${name} FAILED (exit ${status}); reproducer(s) in ${artifacts}:" >&2
    ls -l "${artifacts}" >&2
    echo "fuzz: replay with: ${fuzzer} ${artifacts}/${name}-<file>" >&2
    exit "${status}"
  fi
  echo "fuzz: ${name} OK, no crash in ${seconds} s ($(find "${corpus}" -type f | wc -l) corpus entries at the end)"
}

fuzz policy_parser_fuzzer 16384 policies/examples/*.jsonld -- -dict=tests/fuzz/policy_parser.dict
fuzz edr_token_fuzzer 4096 tests/fuzz/edr_token_seeds/*
fuzz dsp_codec_fuzzer 16384 tests/fuzz/dsp_codec_seeds/*
