#!/usr/bin/env bash
# DSP flow (issue 5): builds bench/dsp_flow_bench with the release preset and runs it. A provider
# and a consumer gateway in one process talk over loopback with real TLS and mutual
# authentication; prints p50/p99 of catalog -> FINALIZED -> STARTED -> payload (the data plane's
# answer to the EDR) over FLOWS flows with kept-alive connections, next to the same flows with a
# new connection per message (the baseline), their ratio, and sustained flows per second.
#
#   bench/dsp_flow.sh [FLOWS=1000] [THREADS=4] [SECONDS=10]
#
# BUILD_DIR picks the build directory (default build/release); JOBS the build's parallelism
# (default 1). Exits 0 whether or not the goal is met; the verdict is in the output.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build/release}"
jobs="${JOBS:-1}"
echo "== build: cmake --preset release -B ${build_dir}; target dsp_flow_bench, -j${jobs}"
cmake --preset release -B "${build_dir}" -DCXGW_BUILD_BENCH=ON >/dev/null
cmake --build "${build_dir}" --target dsp_flow_bench -j "${jobs}"
echo "== run: ${build_dir}/bench/dsp_flow_bench $*"
"${build_dir}/bench/dsp_flow_bench" "$@"
