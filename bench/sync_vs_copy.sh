#!/usr/bin/env bash
# Benchmark (issue 3): `cxgw sync --full` of the demo ERP's serialized parts into the PostgreSQL
# store, side by side with `COPY (the same query) TO STDOUT` into /dev/null on the same database.
#
#   bench/sync_vs_copy.sh [SCALE]        SCALE = rows in erp.serials (default 1000000, min 300)
#
# Environment: CXGW_BIN (binary to measure; default build/release/app/cxgw, built with -j1 if
# missing or too old to have `sync`), RUNS (default 3; medians are reported), PGBIN (default
# /usr/lib/postgresql/15/bin), SHARED_BUFFERS (of the cluster; default 128MB, PostgreSQL's own), KEEP=1 (keep the
# temp dir and cluster files for inspection).
#
# It starts a throwaway PostgreSQL cluster (durability off, Unix socket only, in a temp dir), loads
# deploy/demo/erp at SCALE, and writes a reduced mapping that holds only the twin class `serial`
# and the aspect `serial_parts`, cut verbatim out of deploy/demo/erp/mapping.yaml at run time.
# Each round times both COPY baselines and one cxgw sync (store emptied first), interleaved so
# that load from other processes hits both sides alike. It always exits 0 once it has measured:
# the verdict is printed, not returned.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SCALE=${1:-1000000}
RUNS=${RUNS:-3}
SHARED_BUFFERS=${SHARED_BUFFERS:-128MB}
set_cmdline "bench/sync_vs_copy.sh $SCALE" RUNS:3 SHARED_BUFFERS:128MB

require_scale
require_positive RUNS
require_pgbin
[[ -f $DEMO_MAPPING ]] || die "missing $DEMO_MAPPING"
if [[ ! -x /usr/bin/time ]]; then
  log "installing GNU time (/usr/bin/time)"
  apt-get install -y -qq time >/dev/null || die "/usr/bin/time is missing (apt-get install time)"
fi

# --- 1. the binary -------------------------------------------------------------------------------
find_cxgw sync

# --- 2. throwaway cluster ------------------------------------------------------------------------
make_workdir
# shared_buffers: PostgreSQL's default unless SHARED_BUFFERS says otherwise (2 GB measured no faster).
start_cluster --pgss "shared_buffers = $SHARED_BUFFERS"
if [[ $PGSS == on ]]; then psql_q -d erp -c "CREATE EXTENSION pg_stat_statements"; fi
load_demo_erp

# --- the benchmark mapping -----------------------------------------------------------------------
# Cut out of the demo mapping verbatim: the source block, the twins list item `class: serial`
# (with its deletions) and the aspects list item `name: serial_parts`.
# statement_timeout: cxgw's COPY runs for the whole stream, so a slow sync must not be cut off
# by the demo's 5m; it measures, whatever the outcome.
MAPPING=$WORK/mapping.yaml
serial_mapping "$MAPPING" 's/^(  statement_timeout:).*/\1 1h/'

# The query text of a block (its first `    query: |` scalar), de-indented, with :changed_since
# bound as for a full sync (NULL; docs/mapping.md, section 7).
query_of() {
  awk '
    /^    query: .*\|[-+]?$/ && !done { on = 1; next }
    on && /^      / { sub(/^      /, ""); print; next }
    on && /^ *$/ { print ""; next }
    on { done = 1; on = 0 }' <<<"$1" | perl -pe 's/(?<!:):changed_since(?![A-Za-z0-9_\$])/NULL/g'
}
flow_list() {  # flow_list BLOCK REGEX: the list after REGEX (e.g. `    key: [a, b]`), as "a b"
  { grep -oE "$2\[[^]]*\]" <<<"$1" || true; } | head -n1 | sed -E 's/.*\[//; s/\]$//; s/,/ /g'
}
order_by() {  # the engine's ORDER BY: watermark columns, then key columns, quoted
  local out='' c
  for c in "$@"; do out+="${out:+, }\"$c\""; done
  echo "$out"
}
TWIN_KEY=$(flow_list "$TWIN_BLOCK" '^    key: ')
TWIN_WM=$(flow_list "$TWIN_BLOCK" '^    incremental: \{ *watermark: ')
ASPECT_WM=$(flow_list "$ASPECT_BLOCK" '^    incremental: \{ *watermark: ')
ASPECT_KEY=$(flow_list "$ASPECT_BLOCK" '^    key: ')
ASPECT_KEY=${ASPECT_KEY:-$TWIN_KEY}
[[ -n $TWIN_KEY && -n $TWIN_WM && -n $ASPECT_WM ]] || die "cannot read key/watermark columns"
# shellcheck disable=SC2086
TWIN_SQL="SELECT * FROM ($(query_of "$TWIN_BLOCK")
) cxgw_s ORDER BY $(order_by $TWIN_WM $TWIN_KEY)"
# shellcheck disable=SC2086
ASPECT_SQL="SELECT * FROM ($(query_of "$ASPECT_BLOCK")
) cxgw_s ORDER BY $(order_by $ASPECT_WM $ASPECT_KEY)"
printf '%s\n' "$TWIN_SQL" >"$WORK/twin.sql"
printf '%s\n' "$ASPECT_SQL" >"$WORK/aspect.sql"

"$CXGW" dev-certs "$WORK/certs" >/dev/null
CONFIG=$WORK/gateway.yaml
cat >"$CONFIG" <<EOF
server:
  tls:
    certificate_chain: certs/server.crt
    private_key: certs/server.key
    client_ca: certs/ca.crt
logging:
  level: warn
supplier:
  bpnl: $SUPPLIER
store:
  backend: postgres
  postgres_connection: "dbname=cxgw_store user=postgres"
sync:
  mappings:
    - mapping.yaml
EOF
export CXGW_DEMO_ERP_PASSWORD=cxgw-demo   # the demo mapping reads as cxgw_reader

# The baseline reads as the same role with the session settings cxgw's source connector uses.
copy_seconds() {  # copy_seconds SQLFILE
  local t
  t=$(now)
  PGUSER=cxgw_reader PGOPTIONS="-c default_transaction_read_only=on -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601" \
    psql -X -q -v ON_ERROR_STOP=1 -d erp -c "COPY ($(cat "$1")) TO STDOUT" >/dev/null
  calc "$(now) - $t"
}
count_rows() {
  PGUSER=cxgw_reader psql -X -qAt -v ON_ERROR_STOP=1 -d erp -c "SELECT count(*) FROM ($(cat "$1")) c"
}

log "counting rows (also warms the cache)"
TWIN_ROWS=$(count_rows "$WORK/twin.sql")
ASPECT_ROWS=$(count_rows "$WORK/aspect.sql")
log "twin:serial $TWIN_ROWS rows, serial_parts $ASPECT_ROWS rows"

# --- 3./4. rounds: COPY twin, COPY aspect, cxgw sync --------------------------------------------
wall_of() {  # wall_of TIMEFILE: the elapsed wall clock time in /usr/bin/time -v's output, in seconds
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$1"
}
copy_twin=() copy_aspect=() sync_cpu=() sync_wall=() sync_twin=() sync_del=() sync_aspect=() sync_rss=()
LOAD_BEFORE=$(loadavg)
for run in $(seq "$RUNS"); do
  copy_twin+=("$(copy_seconds "$WORK/twin.sql")")
  copy_aspect+=("$(copy_seconds "$WORK/aspect.sql")")
  log "round $run: COPY twin ${copy_twin[-1]} s, COPY aspect ${copy_aspect[-1]} s"

  psql_q -d postgres -c "DROP DATABASE cxgw_store" -c "CREATE DATABASE cxgw_store"
  psql_q -d postgres -c "CHECKPOINT"
  [[ $PGSS == on && $run == "$RUNS" ]] && psql_q -d erp -c "SELECT pg_stat_statements_reset()" >/dev/null
  out=$WORK/sync.$run.out
  set +e
  (cd "$WORK" && /usr/bin/time -v -o "$WORK/time.$run" "$CXGW" sync --config "$CONFIG" --full) >"$out" 2>&1 </dev/null
  rc=$?
  set -e
  if ((rc != 0)); then
    cat "$out" >&2
    die "cxgw sync failed (exit $rc) in round $run"
  fi
  wall=$(wall_of "$WORK/time.$run")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.$run")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$WORK/time.$run")
  stream_s() { awk -v s="$1" '$1 == s && $3 == "rows" && $4 == "in" {print $5}' "$out"; }
  stream_rows() { awk -v s="$1" '$1 == s && $3 == "rows" && $4 == "in" {print $2}' "$out"; }
  sync_wall+=("$wall") sync_rss+=("$rss") sync_cpu+=("$cpu")
  sync_twin+=("$(stream_s twin:serial)") sync_del+=("$(stream_s deleted:serial)") sync_aspect+=("$(stream_s serial_parts)")
  [[ $(stream_rows twin:serial) == "$TWIN_ROWS" && $(stream_rows serial_parts) == "$ASPECT_ROWS" ]] ||
    { cat "$out" >&2; die "cxgw read other row counts than count(*) in round $run"; }
  log "round $run: cxgw $wall s wall, $cpu s CPU (twin ${sync_twin[-1]} s, aspect ${sync_aspect[-1]} s), peak RSS $((rss / 1024)) MB"
done
LOAD_AFTER=$(loadavg)
STORE_COUNTS=$(grep '^store:' "$WORK/sync.$RUNS.out" || true)

# --- 5. report -----------------------------------------------------------------------------------
m_ct=$(median "${copy_twin[@]}") m_ca=$(median "${copy_aspect[@]}")
m_wall=$(median "${sync_wall[@]}") m_st=$(median "${sync_twin[@]}") m_sa=$(median "${sync_aspect[@]}")
m_sd=$(median "${sync_del[@]}")
m_rss_mb=$(calc "$(median "${sync_rss[@]}") / 1024")
max_rss_mb=$(calc "$(maxof "${sync_rss[@]}") / 1024")
TOTAL_ROWS=$((TWIN_ROWS + ASPECT_ROWS))
m_copy_total=$(calc "$m_ct + $m_ca")
ratio_total=$(calc "$m_copy_total / $m_wall")
rate() { calc "$1 / $2"; }
PG_VERSION=$(pg_version)

echo
echo "== cxgw sync vs COPY: demo ERP, scale $SCALE, $RUNS rounds, medians =="
machine_line "$LOAD_BEFORE" "$LOAD_AFTER"
echo "         PostgreSQL $PG_VERSION (fsync, full_page_writes, synchronous_commit off; shared_buffers $SHARED_BUFFERS, max_wal_size 4GB; else stock), $(describe_cxgw)"
echo "load:    schema.sql + generate.sql at scale $SCALE in $(printf %.1f "$ERP_LOAD_S") s"
echo
printf '%-14s %9s %9s %11s %9s %11s %8s %9s %5s\n' \
  stream rows "COPY s" "COPY rows/s" "cxgw s" "cxgw rows/s" ratio "RSS MB" goal
printf '%-14s %9s %9.2f %11.0f %9.1f %11.0f %8.3f %9s %5s\n' \
  twin:serial "$TWIN_ROWS" "$m_ct" "$(rate "$TWIN_ROWS" "$m_ct")" "$m_st" "$(rate "$TWIN_ROWS" "$m_st")" \
  "$(calc "$m_ct / $m_st")" - "$(yesno "$m_ct / $m_st >= 0.5")"
printf '%-14s %9s %9s %11s %9.1f %11s %8s %9s %5s\n' deleted:serial 0 - - "$m_sd" - - - -
printf '%-14s %9s %9.2f %11.0f %9.1f %11.0f %8.3f %9s %5s\n' \
  serial_parts "$ASPECT_ROWS" "$m_ca" "$(rate "$ASPECT_ROWS" "$m_ca")" "$m_sa" "$(rate "$ASPECT_ROWS" "$m_sa")" \
  "$(calc "$m_ca / $m_sa")" - "$(yesno "$m_ca / $m_sa >= 0.5")"
printf '%-14s %9s %9.2f %11.0f %9.1f %11.0f %8.3f %9.0f %5s\n' \
  END-TO-END "$TOTAL_ROWS" "$m_copy_total" "$(rate "$TOTAL_ROWS" "$m_copy_total")" "$m_wall" \
  "$(rate "$TOTAL_ROWS" "$m_wall")" "$ratio_total" "$m_rss_mb" "$(yesno "$ratio_total >= 0.5")"
echo
echo "per round (s): COPY twin ${copy_twin[*]} | COPY aspect ${copy_aspect[*]} | cxgw wall ${sync_wall[*]}"
echo "cxgw process CPU (user+sys, s) per round: ${sync_cpu[*]}"
echo "peak RSS (MB) per round: $(for r in "${sync_rss[@]}"; do printf '%.0f ' "$(calc "$r / 1024")"; done)"
echo "$STORE_COUNTS"
echo
echo "rows:  rows each query returns (the twin query: one row per serial and partner it is shown to)."
echo "COPY:  psql 'COPY (<query>) TO STDOUT' >/dev/null as cxgw_reader, <query> being the stream's"
echo "       query wrapped as the engine wraps it: SELECT * FROM (...) cxgw_s ORDER BY <watermark>, <key>."
echo "cxgw:  per-stream seconds as 'cxgw sync --full' prints them (0.1 s resolution); END-TO-END is"
echo "       the process wall time from /usr/bin/time (connect, store migration, all 3 streams, counts)."
echo "ratio: cxgw rows/s over COPY rows/s (= COPY s / cxgw s). END-TO-END: both streams' rows over the"
echo "       sum of the two COPY medians vs over the cxgw wall median. Goal: >= 0.5."
echo "RSS:   Maximum resident set size of the cxgw process (/usr/bin/time -v). Goal: < 200 MB."
echo
rate_ok=$(yesno "$ratio_total >= 0.5")
rss_ok=$(yesno "$max_rss_mb < 200")
echo "verdict: row rate $(printf %.3f "$ratio_total") of COPY (goal >= 0.5): $rate_ok;" \
  "peak RSS $(printf %.0f "$max_rss_mb") MB max over rounds, $(printf %.0f "$m_rss_mb") MB median (goal < 200 MB): $rss_ok"
echo "reproduce: cd $REPO && $CMDLINE"

if [[ $PGSS == on ]]; then
  echo
  # Where the last round's time went. The source COPYs run as long as their stream (cxgw reads
  # only as fast as it renders and commits), so their time is not added here.
  store_s=$(psql -X -qAt -d erp -c "SELECT round(coalesce(sum(total_exec_time), 0)::numeric / 1000, 1)
    FROM pg_stat_statements p JOIN pg_database d ON d.oid = p.dbid
   WHERE d.datname = 'cxgw_store' AND toplevel")
  index_mb=$(psql -X -qAt -d cxgw_store -c "SELECT round(sum(pg_relation_size(indexrelid)) / 1048576.0)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname LIKE 'cxgw\_%'")
  echo "last round: ${sync_wall[-1]} s wall; store statements ${store_s} s of server time (summed over" \
    "cxgw's two writer connections, which run at once); cxgw CPU ${sync_cpu[-1]} s (all threads);" \
    "COPY alone reads both streams in $(printf %.1f "$(calc "${copy_twin[-1]} + ${copy_aspect[-1]}")") s;" \
    "the store's indexes take ${index_mb} MB"
  echo
  echo "last round, top statements by server time (pg_stat_statements, all databases; top = f: run"
echo "inside another statement, e.g. the SELECT of a COPY or a foreign-key check):"
  psql -X -q -d erp -P pager=off -c "
    SELECT round(total_exec_time::numeric / 1000, 1) AS total_s, toplevel AS top, calls,
           round((total_exec_time / calls)::numeric, 2) AS mean_ms, rows,
           left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query
      FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10"
fi

# --- re-sync: the same full sync again into the store the last round filled ---------------------
# After the report, so that pg_stat_statements above shows only the last round. Nothing
# changed in the ERP, so nothing may be written: every payload hashes the same. This
# is what a nightly `cxgw sync --full` of an unchanged ERP costs. Once, not a median.
log "re-sync into the filled store"
resync_out=$WORK/resync.out
(cd "$WORK" && /usr/bin/time -v -o "$WORK/time.resync" "$CXGW" sync --config "$CONFIG" --full) >"$resync_out" 2>&1 </dev/null ||
  { cat "$resync_out" >&2; die "the re-sync failed"; }
RESYNC_WALL=$(wall_of "$WORK/time.resync")
RESYNC_CHANGED=$(awk '$3 == "rows" && $4 == "in" {for (i = 1; i <= NF; i++) if ($i == "aspects" && $(i + 1) == "changed,") s += $(i - 1)} END {print s + 0}' "$resync_out")
echo
echo "re-sync: the same 'cxgw sync --full' again into the filled store (nothing changed in the ERP):" \
  "$RESYNC_WALL s wall, ratio $(printf %.3f "$(calc "$m_copy_total / $RESYNC_WALL")") of COPY," \
  "$RESYNC_CHANGED aspects changed (must be 0)"
exit 0
