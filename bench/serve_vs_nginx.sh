#!/usr/bin/env bash
# Benchmark: the data plane of `cxgw serve` answering a SerialPart payload to a partner
# with a valid EDR token over kept-alive HTTPS, side by side with nginx serving the same bytes as
# a static file with the same certificate and TLS settings; wrk with 64 connections against each.
#
#   bench/serve_vs_nginx.sh [SCALE]      SCALE = rows in erp.serials (default 1000000, min 300)
#
# Environment: CXGW_BIN (binary to measure; default build/release/app/cxgw, built with -j1 if
# missing or too old to have `fetch`), RUNS (default 3; medians are reported), DURATION (seconds
# of each wrk run, default 15), CONNECTIONS (default 64), WRK_THREADS (default 2), THREADS (cxgw's
# server.threads and nginx's worker_processes, default 2 = the VM's cores), PAYLOAD_BYTES (about
# how large the served SerialPart is, default 2048; 0 keeps the demo's 0.5-0.6 KB payloads), PGBIN
# (default /usr/lib/postgresql/15/bin), KEEP=1 (keep the temp dir for inspection).
#
# It starts a throwaway PostgreSQL cluster (durability off, Unix socket only, in a temp dir),
# loads deploy/demo/erp at SCALE, syncs the twin class `serial` and the aspect `serial_parts`
# (SerialPart 4.0.0) of deploy/demo/erp/mapping.yaml into the store with `cxgw sync --full`, starts
# `cxgw serve` on that store, negotiates an EDR for the asset SerialPart-4.0.0 as the demo OEM
# with `cxgw fetch`, fetches one twin's payload once through the data plane and writes exactly
# those bytes into nginx's docroot under the same path. Each round runs wrk against both, in
# alternating order. It always exits 0 once it has measured: the verdict is printed, not returned.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SCALE=${1:-1000000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
THREADS=${THREADS:-2}
PAYLOAD_BYTES=${PAYLOAD_BYTES:-2048}
set_cmdline "bench/serve_vs_nginx.sh $SCALE" PAYLOAD_BYTES:2048 THREADS:2 WRK_THREADS:2 CONNECTIONS:64 DURATION:15 RUNS:3

require_scale
require_positive RUNS DURATION CONNECTIONS WRK_THREADS THREADS
[[ $PAYLOAD_BYTES =~ ^[0-9]+$ ]] || die "PAYLOAD_BYTES must be a number of bytes (0: as generated)"
require_pgbin
[[ -f $DEMO_MAPPING ]] || die "missing $DEMO_MAPPING"
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v python3 >/dev/null || missing+=(python3)
apt_install "${missing[@]}"
NGINX=$(command -v nginx)

# --- 1. the binary -------------------------------------------------------------------------------
find_cxgw fetch

# --- 2. throwaway cluster ------------------------------------------------------------------------
make_workdir
start_cluster --pgss
free_port PORT         # cxgw serve (the supplier)
free_port NGINX_PORT   # nginx
free_port OEM_PORT     # cxgw fetch's callback listener (the OEM)
if [[ $PGSS == on ]]; then psql_q -d cxgw_store -c "CREATE EXTENSION pg_stat_statements"; fi
load_demo_erp

# The demo's SerialPart payloads are 0.5-0.6 KB. For a payload of about PAYLOAD_BYTES, one
# finished item delivered to the OEM gets a longer English name (nameAtManufacturer) and longer
# customer part names (nameAtCustomer) in the ERP before the sync, so that the sync renders and
# validates its parts' payloads as usual; every other part keeps the demo's data.
PAD_NOTE="the demo's data as generated"
if ((PAYLOAD_BYTES > 0)); then
  pad=$(((PAYLOAD_BYTES - 560) / 2))
  ((pad > 0)) || die "PAYLOAD_BYTES must be 0 or more than 560"
  PAD_ITEM=$(psql -X -qAt -v ON_ERROR_STOP=1 -d erp -c "
    SELECT i.part_number FROM erp.items i JOIN erp.serials s ON s.item_id = i.id
      JOIN erp.deliveries d ON d.serial_id = s.id JOIN erp.customers c ON c.id = d.customer_id
     WHERE c.bpnl = '$OEM' AND i.category = 'FINISHED'
     GROUP BY i.part_number ORDER BY count(*) DESC, i.part_number LIMIT 1")
  [[ -n $PAD_ITEM ]] || die "no finished item delivered to $OEM in the ERP"
  filler="left(repeat(' - bench padding of serve_vs_nginx.sh', $pad), $pad)"
  psql_q -d erp -c "UPDATE erp.items SET name = jsonb_set(name, '{en}', to_jsonb((name ->> 'en') || $filler))
                     WHERE part_number = '$PAD_ITEM'" \
    -c "UPDATE erp.customer_items ci SET customer_part_name = coalesce(ci.customer_part_name, i.name ->> 'en') || $filler
          FROM erp.items i WHERE i.id = ci.item_id AND i.part_number = '$PAD_ITEM'"
  PAD_NOTE="item $PAD_ITEM's English name and customer part names lengthened by $pad characters each in the ERP"
  log "payload of about $PAYLOAD_BYTES bytes: $PAD_NOTE"
fi

# --- the mapping: twin class serial and aspect serial_parts of the demo mapping, verbatim -------
# As in sync_vs_copy.sh. `cxgw serve` syncs incrementally once at start (nothing changed) and then
# every poll_interval; 1h keeps that second sync and its source query out of the measurement,
# and without notify_channel no LISTEN connection is opened.
serial_mapping "$WORK/mapping.yaml" -e 's/^(  statement_timeout:).*/\1 1h/' -e 's/^(  poll_interval:).*/\1 1h/' \
  -e '/^  notify_channel:/d'

# --- certificates and configs --------------------------------------------------------------------
# The supplier's and the OEM's gateway (server.threads THREADS, logging at warn); nginx gets the
# supplier's certificate. EDR lifetime: the whole run with margin (warm-up, RUNS rounds of two
# DURATION runs).
write_gateways "$(((RUNS * 2 * DURATION + 600) / 60 + 1))m" warn "$THREADS"

# --- 3. sync the store ---------------------------------------------------------------------------
log "cxgw sync --full (scale $SCALE)"
t0=$(now)
(cd "$WORK/supplier" && "$CXGW" sync --config gateway.yaml --full) >"$WORK/sync.out" 2>&1 </dev/null ||
  { cat "$WORK/sync.out" >&2; die "cxgw sync failed"; }
SYNC_S=$(calc "$(now) - $t0")
store_counts
log "synced in $(printf %.1f "$SYNC_S") s: $TWINS twins, $ASPECTS aspects"
psql_q -d cxgw_store -c "VACUUM ANALYZE"

# The twin: visible to the OEM, with a SerialPart 4.0.0 payload of the size closest to
# PAYLOAD_BYTES (PAYLOAD_BYTES=0: of the median size among those the OEM may see).
read -r TWIN_ID PAYLOAD_DB_BYTES < <(psql -X -qAt -F ' ' -d cxgw_store -c "
  WITH visible AS (
    SELECT t.global_asset_id, octet_length(a.payload::text) AS n
      FROM cxgw_twins t JOIN cxgw_aspects a ON a.global_asset_id = t.global_asset_id
     WHERE NOT t.withdrawn AND NOT a.withdrawn AND '$OEM' = ANY (t.visible_to)
       AND a.aspect_urn LIKE 'urn:samm:io.catenax.serial_part:4.0.0#%'),
  m AS (SELECT CASE WHEN $PAYLOAD_BYTES > 0 THEN $PAYLOAD_BYTES
                    ELSE percentile_disc(0.5) WITHIN GROUP (ORDER BY n) END AS n FROM visible)
  SELECT v.global_asset_id, v.n FROM visible v, m ORDER BY abs(v.n - m.n), v.global_asset_id LIMIT 1")
[[ -n ${TWIN_ID:-} ]] || die "no twin with a SerialPart 4.0.0 aspect visible to $OEM in the store"
log "twin $TWIN_ID (SerialPart payload of $PAYLOAD_DB_BYTES bytes)"

# --- 4. cxgw serve, the EDR, the payload ---------------------------------------------------------
log "starting cxgw serve on port $PORT (server.threads $THREADS)"
start_serve  # waits for the first (incremental) sync of serve's scheduler
RSS_READY_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVE_PID/status")

negotiate_edr
TWIN_B64=$(printf '%s' "$TWIN_ID" | base64 -w0 | tr '+/' '-_' | tr -d '=')
PATH_=${ENDPOINT#"https://localhost:$PORT"}/shells/$TWIN_B64/submodels/$ASSET/submodel/\$value
CXGW_URL=https://127.0.0.1:$PORT$PATH_
NGINX_URL=https://127.0.0.1:$NGINX_PORT$PATH_
log "EDR valid until $EXPIRES; GET $PATH_"

# nginx: the same bytes under the same path, fetched once through the data plane.
DOCROOT=$WORK/nginx/html
mkdir -p "$DOCROOT$(dirname "$PATH_")" "$WORK/nginx/logs"
status=$("${CURL[@]}" -o "$DOCROOT$PATH_" -w '%{http_code}' -H "Authorization: $TOKEN" "https://localhost:$PORT$PATH_")
[[ $status == 200 ]] || die "the data plane answered HTTP $status for $PATH_: $(cat "$DOCROOT$PATH_")"
PAYLOAD_SIZE=$(stat -c %s "$DOCROOT$PATH_")
chmod -R a+rX "$WORK/nginx" "$WORK/supplier/certs"
cat >"$WORK/nginx/nginx.conf" <<EOF
# Same TLS settings as cxgw (gateway/src/tls/server_tls_context.cpp): TLS 1.2 and 1.3, the same
# TLS 1.2 suites with server preference, no session tickets, optional client certificates.
worker_processes $THREADS;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  client_body_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $WORK/supplier/certs/server.crt;
    ssl_certificate_key $WORK/supplier/certs/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    ssl_session_tickets off;
    ssl_verify_client optional;
    ssl_client_certificate $WORK/trusted-cas.pem;
    root $DOCROOT;
  }
}
EOF
"$NGINX" -t -q -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" ||
  die "nginx rejects $WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" </dev/null &
NGINX_PID=$!
BENCH_PIDS+=("$NGINX_PID")
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/logs/error.log" >&2; die "nginx exited"; }
  sleep 0.1
done

# Both answer 200 with identical bytes, with the request wrk sends.
check_get() {  # check_get NAME URL: the body to $WORK/check.NAME, its headers' size to stdout
  local out
  out=$("${CURL[@]}" -o "$WORK/check.$1" \
    -w '%{http_code} %{size_header}' -H "Authorization: $TOKEN" "$2") || die "$1: GET $2 failed"
  [[ ${out%% *} == 200 ]] || die "$1 answered HTTP ${out%% *} for GET $2: $(head -c 300 "$WORK/check.$1")"
  echo "${out#* }"
}
CXGW_HDR=$(check_get cxgw "$CXGW_URL")
NGINX_HDR=$(check_get nginx "$NGINX_URL")
sha_c=$(sha256sum <"$WORK/check.cxgw" | cut -d' ' -f1)
sha_n=$(sha256sum <"$WORK/check.nginx" | cut -d' ' -f1)
[[ $sha_c == "$sha_n" ]] || die "cxgw and nginx serve different bytes ($sha_c vs $sha_n)"
log "both answer 200 with the same $PAYLOAD_SIZE bytes (sha256 ${sha_c:0:16}…); headers: cxgw $CXGW_HDR B, nginx $NGINX_HDR B"

# --- 5. rounds -----------------------------------------------------------------------------------
ticks() {  # ticks PID...: utime + stime of the processes, in clock ticks
  local pid sum=0
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] || continue
    sum=$((sum + $(sed -E 's/^.*\) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$sum"
}
# shellcheck disable=SC2046  # a list of pids
pg_ticks() { ticks "$PG_PID" $(pgrep -P "$PG_PID"); }
# shellcheck disable=SC2046
nginx_ticks() { ticks "$NGINX_PID" $(pgrep -P "$NGINX_PID"); }
HZ=$(getconf CLK_TCK)
ms_of() {  # wrk latency (e.g. 812.00us, 4.51ms, 1.02s) in ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0;
    else if (v ~ /m$/) printf "%.3f", v * 60000; else if (v ~ /s$/) printf "%.3f", v * 1000; else print "nan" }'
}
run_wrk() {  # run_wrk NAME URL SECONDS OUTFILE
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$3"s --latency -H "Authorization: $TOKEN" "$2" >"$4" 2>&1 ||
    { cat "$4" >&2; die "wrk against $1 failed"; }
  if grep -q 'Non-2xx or 3xx responses' "$4"; then
    cat "$4" >&2
    die "$1 answered $(awk '/Non-2xx or 3xx responses/ {print $NF}' "$4") requests with a status other than 2xx/3xx; not measuring errors"
  fi
  grep -q '^Requests/sec:' "$4" || { cat "$4" >&2; die "no Requests/sec in wrk's output for $1"; }
}
rps_of() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
p99_of() { ms_of "$(awk '$1 == "99%" {print $2}' "$1")"; }
p50_of() { ms_of "$(awk '$1 == "50%" {print $2}' "$1")"; }
errs_of() { awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print; f = 1} END {if (!f) print "none"}' "$1"; }

log "warm-up: 3 s of wrk against each"
run_wrk nginx "$NGINX_URL" 3 "$WORK/wrk.warm.nginx"
run_wrk cxgw "$CXGW_URL" 3 "$WORK/wrk.warm.cxgw"

c_rps=() n_rps=() c_p99=() n_p99=() c_p50=() n_p50=() c_cpu=() c_pgcpu=() n_cpu=() c_errs=() n_errs=()
LOAD_BEFORE=$(loadavg)
AUDIT_BEFORE=$(psql -X -qAt -d cxgw_store -c "SELECT count(*) FROM cxgw_audit_records")
for run in $(seq "$RUNS"); do
  order=(nginx cxgw)
  ((run % 2 == 0)) && order=(cxgw nginx)
  for side in "${order[@]}"; do
    out=$WORK/wrk.$run.$side
    if [[ $side == cxgw ]]; then
      [[ $PGSS == on && $run == "$RUNS" ]] && psql_q -d cxgw_store -c "SELECT pg_stat_statements_reset()" >/dev/null
      t_c=$(ticks "$SERVE_PID") t_pg=$(pg_ticks)
      run_wrk cxgw "$CXGW_URL" "$DURATION" "$out"
      c_cpu+=("$(calc "($(ticks "$SERVE_PID") - $t_c) / $HZ")")
      c_pgcpu+=("$(calc "($(pg_ticks) - $t_pg) / $HZ")")
      c_rps+=("$(rps_of "$out")") c_p99+=("$(p99_of "$out")") c_p50+=("$(p50_of "$out")") c_errs+=("$(errs_of "$out")")
      log "round $run: cxgw  $(rps_of "$out") req/s, p50 $(p50_of "$out") ms, p99 $(p99_of "$out") ms (socket errors: ${c_errs[-1]})"
    else
      t_n=$(nginx_ticks)
      run_wrk nginx "$NGINX_URL" "$DURATION" "$out"
      n_cpu+=("$(calc "($(nginx_ticks) - $t_n) / $HZ")")
      n_rps+=("$(rps_of "$out")") n_p99+=("$(p99_of "$out")") n_p50+=("$(p50_of "$out")") n_errs+=("$(errs_of "$out")")
      log "round $run: nginx $(rps_of "$out") req/s, p50 $(p50_of "$out") ms, p99 $(p99_of "$out") ms (socket errors: ${n_errs[-1]})"
    fi
  done
done
LOAD_AFTER=$(loadavg)
HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVE_PID/status")
RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVE_PID/status")
THREADS_CXGW=$(awk '/^Threads:/ {print $2}' "/proc/$SERVE_PID/status")
NGINX_RSS_KB=0
for pid in "$NGINX_PID" $(pgrep -P "$NGINX_PID"); do NGINX_RSS_KB=$((NGINX_RSS_KB + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"))); done
AUDIT_AFTER=$(psql -X -qAt -d cxgw_store -c "SELECT count(*) FROM cxgw_audit_records")
status=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: $TOKEN" "https://localhost:$PORT$PATH_")
[[ $status == 200 ]] || die "after the rounds the data plane answers HTTP $status (token expired?)"

# --- 6. report -----------------------------------------------------------------------------------
m_crps=$(median "${c_rps[@]}") m_nrps=$(median "${n_rps[@]}")
m_cp99=$(median "${c_p99[@]}") m_np99=$(median "${n_p99[@]}")
m_cp50=$(median "${c_p50[@]}") m_np50=$(median "${n_p50[@]}")
ratio=$(calc "$m_crps / $m_nrps")
hwm_mb=$(calc "$HWM_KB / 1024") rss_mb=$(calc "$RSS_KB / 1024")
PG_VERSION=$(pg_version)
# CPU per request in the last round (cxgw process, and all PostgreSQL backends of the cluster).
us_per_req() { calc "$1 * 1000000 / ($2 * $DURATION)"; }
echo
echo "== cxgw data plane vs nginx static file: SerialPart payload, HTTPS keep-alive, $CONNECTIONS connections, $RUNS rounds of ${DURATION} s, medians =="
machine_line "$LOAD_BEFORE" "$LOAD_AFTER"
echo "         PostgreSQL $PG_VERSION (fsync, full_page_writes, synchronous_commit off; else stock), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
echo "         $(describe_cxgw)"
echo "store:   demo ERP at scale $SCALE synced in $(printf %.1f "$SYNC_S") s: $TWINS twins, $ASPECTS aspects"
echo "request: GET $PATH_"
echo "         twin $TWIN_ID, payload $PAYLOAD_SIZE bytes ($PAD_NOTE)"
echo "         (sha256 ${sha_c:0:16}… on both), response headers cxgw $CXGW_HDR B / nginx $NGINX_HDR B"
echo "threads: cxgw server.threads $THREADS (+ its fixed pool of 8 DSP/data plane workers; $THREADS_CXGW threads in all), nginx worker_processes $THREADS; wrk -t$WRK_THREADS -c$CONNECTIONS on the same machine"
echo
printf '%-7s %11s %9s %9s %12s %28s\n' server "requests/s" "p50 ms" "p99 ms" "CPU µs/req" "socket errors (last round)"
printf '%-7s %11.0f %9.2f %9.2f %12s %28s\n' nginx "$m_nrps" "$m_np50" "$m_np99" \
  "$(printf %.0f "$(us_per_req "${n_cpu[-1]}" "${n_rps[-1]}")")" "${n_errs[-1]}"
printf '%-7s %11.0f %9.2f %9.2f %12s %28s\n' cxgw "$m_crps" "$m_cp50" "$m_cp99" \
  "$(printf '%.0f+%.0f' "$(us_per_req "${c_cpu[-1]}" "${c_rps[-1]}")" "$(us_per_req "${c_pgcpu[-1]}" "${c_rps[-1]}")")" "${c_errs[-1]}"
echo
echo "ratio (cxgw ÷ nginx requests/s): $(printf %.3f "$ratio")"
echo "per round requests/s: nginx ${n_rps[*]} | cxgw ${c_rps[*]}"
echo "per round p99 ms:     nginx ${n_p99[*]} | cxgw ${c_p99[*]}"
echo "cxgw serve memory: VmHWM $(printf %.1f "$hwm_mb") MB, VmRSS $(printf %.1f "$rss_mb") MB after the rounds (VmRSS $(printf %.1f "$(calc "$RSS_READY_KB / 1024")") MB when ready, before any request); nginx master + workers VmRSS $(printf %.1f "$(calc "$NGINX_RSS_KB / 1024")") MB"
echo "audit trail: $((AUDIT_AFTER - AUDIT_BEFORE)) records appended during the rounds (one per data request)"
echo
echo "CPU µs/req: CPU time over requests served in the last round; nginx: master and workers; cxgw:"
echo "            the cxgw process + all PostgreSQL processes of the cluster (the store's backends)."
echo "Goals: requests/s >= 0.8 of nginx's; cxgw p99 < 5 ms; cxgw RSS < 64 MB with the store above."
rps_ok=$(yesno "$ratio >= 0.8")
p99_ok=$(yesno "$m_cp99 < 5")
rss_ok=$(yesno "$hwm_mb < 64")
echo "verdict: requests/s $(printf %.3f "$ratio") of nginx (goal >= 0.8): $rps_ok;" \
  "p99 $(printf %.2f "$m_cp99") ms (nginx $(printf %.2f "$m_np99") ms; goal < 5 ms): $p99_ok;" \
  "peak RSS $(printf %.1f "$hwm_mb") MB (goal < 64 MB): $rss_ok"
echo "reproduce: cd $REPO && $CMDLINE"

if [[ $PGSS == on ]]; then
  echo
  reqs=$(calc "${c_rps[-1]} * $DURATION")
  echo "last cxgw round, store statements by server time (pg_stat_statements of cxgw_store; about"
  echo "$(printf %.0f "$reqs") requests; calls/req = calls per request served):"
  psql -X -q -d cxgw_store -P pager=off -c "
    SELECT round(total_exec_time::numeric / 1000, 2) AS total_s, calls,
           round(calls::numeric / $reqs, 2) AS \"calls/req\",
           round((total_exec_time / calls)::numeric, 3) AS mean_ms,
           left(regexp_replace(query, '\s+', ' ', 'g'), 80) AS query
      FROM pg_stat_statements p JOIN pg_database d ON d.oid = p.dbid
     WHERE d.datname = 'cxgw_store'
     ORDER BY total_exec_time DESC LIMIT 12"
fi
exit 0
