#!/usr/bin/env bash
# Policy evaluation (issue 4): builds bench/policy_evaluation_bench with the release preset and
# runs it with 5 repetitions, then prints the medians, the engine's ratio to the hand-written
# baseline and the verdicts. Exits 0 whether or not a goal is met; the verdict is in the output.
#
#   bench/policy_evaluation.sh [extra Google Benchmark flags, e.g. --benchmark_filter=Catalog]
#
# BUILD_DIR picks the build directory (default build/release, the release preset's; another one
# is configured with the release preset on first use); JOBS the build's parallelism (default 1);
# REPETITIONS the number of repetitions (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build/release}"
jobs="${JOBS:-1}"
repetitions="${REPETITIONS:-5}"
binary="${build_dir}/bench/policy_evaluation_bench"

echo "== build: cmake --preset release -B ${build_dir}; target policy_evaluation_bench, -j${jobs}"
cmake --preset release -B "${build_dir}" -DCXGW_BUILD_BENCH=ON >/dev/null
cmake --build "${build_dir}" --target policy_evaluation_bench -j "${jobs}"

out="$(mktemp -t cxgw-policy-bench.XXXXXX.csv)"
trap 'rm -f "${out}"' EXIT

echo "== run: ${binary} --benchmark_repetitions=${repetitions} --benchmark_report_aggregates_only=true $*"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"${binary}" --benchmark_repetitions="${repetitions}" --benchmark_report_aggregates_only=true \
  --benchmark_out="${out}" --benchmark_out_format=csv "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# CSV columns: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,...
awk -F, '
  { gsub(/"/, "", $1) }
  $1 ~ /_median$/ {
    name = $1; sub(/_median$/, "", name); sub(/\/real_time$/, "", name)
    rate[name] = $7; real[name] = $3; unit[name] = $5
  }
  function show(name, what) {
    if (name in rate) printf "  %-30s %14.0f /s   %s\n", name, rate[name], what
  }
  function ratio(engine, baseline) {
    if (!(engine in rate) || !(baseline in rate) || rate[baseline] == 0) return
    printf "  %-30s %.3f of the baseline (%.1fx slower than %s)\n", engine,
           rate[engine] / rate[baseline], rate[baseline] / rate[engine], baseline
  }
  function verdict(name, ok, text) { printf "  %-30s %s: %s\n", name, text, ok ? "yes" : "NO" }
  END {
    print ""
    print "medians of the repetitions, one thread:"
    show("BM_HandWrittenAllowed", "baseline: the three conditions by hand, allowed partner")
    show("BM_EngineAllowedDecisionOnly", "engine, allowed, Detail::kDecisionOnly")
    show("BM_EngineAllowedFull", "engine, allowed, Detail::kFull")
    show("BM_HandWrittenDenied", "baseline, denied partner")
    show("BM_EngineDeniedDecisionOnly", "engine, denied, Detail::kDecisionOnly")
    show("BM_EngineDeniedFull", "engine, denied, Detail::kFull")
    if ("BM_CatalogOffersFor" in real)
      printf "  %-30s %14.3f %s  offersFor over 10,000 assets, 5 contract definitions\n",
             "BM_CatalogOffersFor", real["BM_CatalogOffersFor"], unit["BM_CatalogOffersFor"]
    print ""
    print "ratio to the baseline (engine evaluations/s / hand-written checks/s):"
    ratio("BM_EngineAllowedDecisionOnly", "BM_HandWrittenAllowed")
    ratio("BM_EngineAllowedFull", "BM_HandWrittenAllowed")
    ratio("BM_EngineDeniedDecisionOnly", "BM_HandWrittenDenied")
    ratio("BM_EngineDeniedFull", "BM_HandWrittenDenied")
    print ""
    print "verdicts:"
    n = split("BM_EngineAllowedDecisionOnly BM_EngineAllowedFull BM_EngineDeniedDecisionOnly BM_EngineDeniedFull", names, " ")
    for (i = 1; i <= n; ++i)
      if (names[i] in rate) verdict(names[i], rate[names[i]] >= 1000000, "goal >= 1,000,000 evaluations/s met")
    if ("BM_CatalogOffersFor" in real) {
      ms = real["BM_CatalogOffersFor"]
      if (unit["BM_CatalogOffersFor"] == "us") ms /= 1000
      if (unit["BM_CatalogOffersFor"] == "ns") ms /= 1000000
      if (unit["BM_CatalogOffersFor"] == "s") ms *= 1000
      verdict("BM_CatalogOffersFor", ms < 10, "goal < 10 ms met")
    }
  }' "${out}"
