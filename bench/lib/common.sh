# shellcheck shell=bash
# bench/lib/common.sh: what the PostgreSQL benchmarks bench/sync_vs_copy.sh, bench/serve_vs_nginx.sh
# and bench/change_feed_latency.sh share: the cxgw binary, the throwaway cluster with the demo ERP,
# the cleanup at exit, the reduced demo mapping, the supplier/OEM gateway pair and its EDR, and the
# report's helpers. Each script does `set -euo pipefail`, then sources this file (no arguments;
# it only defines, runs nothing but the assignments below) and calls what it needs, in this order:
#
#   find_cxgw SUBCOMMAND -> make_workdir -> start_cluster -> load_demo_erp -> ...
#
# Set when sourced:
#   BENCH_NAME     the script's name without .sh (sync_vs_copy, ...): prefix of die's messages
#   REPO           the repository root; DEMO_ERP (deploy/demo/erp), DEMO_MAPPING (its mapping.yaml)
#   SUPPLIER, OEM  the demo's supplier and OEM BPNLs; ASSET, the asset the OEM negotiates
#   PGBIN          PostgreSQL's binaries (environment, default /usr/lib/postgresql/15/bin)
#   BENCH_PIDS     empty array: PIDs that cleanup stops at exit, in order (scripts append to it)
#
# Messages and arithmetic:
#   die MSG...            "BENCH_NAME: MSG" to stderr, exit 1
#   log MSG...            "[HH:MM:SS] MSG" to stderr
#   now                   seconds since the epoch, with nanoseconds
#   calc EXPR             awk's value of EXPR (e.g. calc "$a / $b")
#   yesno EXPR            yes if the awk condition EXPR holds, else no
#   median N...           the median of the numbers; maxof N...: their maximum
# Arguments and tools:
#   set_cmdline "bench/NAME.sh ARGS" VAR:DEFAULT...
#                         sets CMDLINE, the command that reproduces the run: every VAR whose value is
#                         not DEFAULT is put before it (the last pair given comes first), then CXGW_BIN
#   require_scale         dies unless SCALE (expected) is an integer >= 300
#   require_positive VAR... / require_non_negative VAR...: dies unless each VAR is such an integer
#   require_pgbin         dies unless PGBIN holds pg_ctl
#   apt_install PKG...    installs the packages with apt-get (none given: does nothing)
#   find_cxgw SUBCOMMAND  sets CXGW to CXGW_BIN or build/release/app/cxgw; builds the latter (release
#                         preset, -j1) if it is missing or lacks SUBCOMMAND (the command that proves it
#                         is new enough: sync, fetch); dies if the binary lacks SUBCOMMAND
# The work dir, the cluster, cleanup:
#   make_workdir          creates WORK (/tmp/cxgw-bench.XXXXXX, mode 755; umask 022), PGDATA_DIR and
#                         SOCK in it, defines as_pg CMD... (CMD as the postgres user when run as
#                         root), and installs the traps: cleanup at EXIT, a "failed at line" message
#                         on ERR, exit 130 on INT/TERM/HUP and 141 on PIPE. Without errtrace the ERR
#                         trap sees only the script's own commands, so the functions here end with
#                         die and a message of their own where a step fails
#   cleanup               (EXIT trap) stops every PID in BENCH_PIDS (stop_pid), stops the cluster
#                         (pg_ctl -m immediate) and removes WORK unless KEEP=1; exits with the status
#   stop_pid PID          SIGTERM, SIGKILL after 20 s; an empty or finished PID is fine
#   free_port VAR         sets VAR to a TCP port in 20000-59999 that nobody listens on, not handed out
#                         before in this run
#   start_cluster [--pgss] [CONF_LINE...]
#                         initdb in PGDATA_DIR on a free port (PG_PORT) with fsync, synchronous_commit
#                         and full_page_writes off, max_wal_size 4GB, Unix socket in SOCK only, plus
#                         the CONF_LINEs; with --pgss also pg_stat_statements (track = all) if the
#                         extension is installed. Starts it, sets PG_PID, PGSS (on/off; off without
#                         --pgss), exports PGHOST PGPORT PGUSER for psql (unsets PGDATABASE
#                         PGPASSWORD PGOPTIONS PGSERVICE) and creates the databases erp and cxgw_store
#   psql_q ARGS...        psql -X -q -v ON_ERROR_STOP=1 ARGS
#   load_demo_erp [--notify]
#                         loads DEMO_ERP's schema.sql and generate.sql at SCALE into erp (with --notify
#                         also notify.sql, its NOTIFY triggers); sets ERP_LOAD_S, the seconds it took
# The mapping and the gateways:
#   mapping_source        prints DEMO_MAPPING's source: block
#   serial_mapping OUT SED_ARG...
#                         writes to OUT the source block, edited by `sed -E SED_ARG...`, then the
#                         twin class `serial` and the aspect `serial_parts`, cut verbatim out of
#                         DEMO_MAPPING; sets SOURCE_BLOCK, TWIN_BLOCK, ASPECT_BLOCK (as cut, unedited)
#   write_gateways EDR_LIFETIME LOG_LEVEL [THREADS]
#                         dev-certs and gateway.yaml for the supplier (WORK/supplier: port PORT, the
#                         example policies, deploy/demo/partners.yaml, WORK/mapping.yaml synced into
#                         the store cxgw_store) and the OEM (WORK/oem: port OEM_PORT, the supplier as
#                         its only partner), each trusting both CAs; THREADS sets server.threads.
#                         Expects PORT and OEM_PORT; exports CXGW_DEMO_ERP_PASSWORD
#   start_serve           starts `cxgw serve` of the supplier (log WORK/serve.log), appends it to
#                         BENCH_PIDS and waits up to 10 min until /readyz reports its first sync; sets
#                         SERVE_PID and CURL (curl trusting the supplier's CA, as an array)
#   negotiate_edr         `cxgw fetch` of ASSET as the OEM from the supplier (output WORK/fetch.out);
#                         sets EDR (its JSON), ENDPOINT, TOKEN, EXPIRES
#   store_counts          sets TWINS and ASPECTS, the store's twins and aspects not withdrawn
# The report:
#   loadavg               the 1, 5 and 15 minute load averages
#   machine_line BEFORE AFTER
#                         prints "machine: N cores, M GB RAM, load BEFORE before / AFTER after"
#   pg_version            the cluster's server_version
#   describe_cxgw         prints "<cxgw version> (<CXGW>, built <mtime>; tree at <git describe>)"

# shellcheck disable=SC2034  # the variables set here are for the scripts that source this file
BENCH_NAME=$(basename "${BASH_SOURCE[-1]}" .sh)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEMO_ERP=$REPO/deploy/demo/erp
DEMO_MAPPING=$DEMO_ERP/mapping.yaml
SUPPLIER=BPNL00000000SUPP
OEM=BPNL000000000OEM
ASSET=SerialPart-4.0.0
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BENCH_PIDS=()
BENCH_TAKEN_PORTS=" "

# --- messages and arithmetic ---------------------------------------------------------------------
die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN {printf \"%s\", $1}"; }
yesno() { awk "BEGIN {print ($1) ? \"yes\" : \"no\"}"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n1; }

# --- arguments and tools -------------------------------------------------------------------------
set_cmdline() {
  CMDLINE=$1
  shift
  local v name
  for v in "$@"; do
    name=${v%%:*}
    if [[ ${!name} != "${v#*:}" ]]; then CMDLINE="$name=${!name} $CMDLINE"; fi
  done
  if [[ -n ${CXGW_BIN:-} ]]; then CMDLINE="CXGW_BIN=$CXGW_BIN $CMDLINE"; fi
}

require_scale() {
  if ! [[ $SCALE =~ ^[0-9]+$ ]] || ((SCALE < 300)); then
    die "SCALE must be an integer >= 300, got '$SCALE'"
  fi
}
require_positive() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
  done
}
require_non_negative() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer"
  done
}
require_pgbin() {
  [[ -x $PGBIN/pg_ctl ]] || die "no PostgreSQL binaries in $PGBIN (set PGBIN)"
}

apt_install() {
  (($#)) || return 0
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
    die "cannot install $* (apt-get install $*)"
}

find_cxgw() {
  local sub=$1
  CXGW=${CXGW_BIN:-$REPO/build/release/app/cxgw}
  if [[ -z ${CXGW_BIN:-} ]] && ! { [[ -x $CXGW ]] && "$CXGW" "$sub" --help >/dev/null 2>&1; }; then
    log "building the release preset (-j1)"
    (cd "$REPO" && cmake --preset release >/dev/null && cmake --build --preset release --target cxgw -- -j1) >&2 ||
      die "building the release preset failed"
  fi
  [[ -x $CXGW ]] || die "no cxgw binary at $CXGW"
  "$CXGW" "$sub" --help >/dev/null 2>&1 || die "$CXGW has no '$sub' command (stale build?)"
}

# --- the work dir, the cluster, cleanup ----------------------------------------------------------
make_workdir() {
  umask 022
  WORK=$(mktemp -d /tmp/cxgw-bench.XXXXXX) || die "cannot create a temp dir"
  PGDATA_DIR=$WORK/pgdata
  SOCK=$WORK/sock
  { chmod 755 "$WORK" && mkdir -p "$PGDATA_DIR" "$SOCK"; } || die "cannot set up $WORK"
  if [[ $(id -u) == 0 ]]; then
    chown postgres: "$PGDATA_DIR" "$SOCK" || die "cannot hand $PGDATA_DIR and $SOCK to the postgres user"
    # shellcheck disable=SC2317  # called by the scripts
    as_pg() { runuser -u postgres -- "$@"; }
  else
    # shellcheck disable=SC2317
    as_pg() { "$@"; }
  fi
  trap cleanup EXIT
  trap 'echo "$BENCH_NAME: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
  trap 'exit 130' INT TERM HUP
  trap 'exit 141' PIPE
}

# shellcheck disable=SC2317  # invoked by the trap
stop_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  local rc=$? pid
  trap '' PIPE HUP INT TERM  # finish cleaning up even if the reader of our output is gone
  trap - ERR
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  if [[ -f $PGDATA_DIR/postmaster.pid ]]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $WORK" || true; else rm -rf "$WORK"; fi
  exit "$rc"
}

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    [[ $BENCH_TAKEN_PORTS == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [[ ! -e /tmp/.s.PGSQL.$p ]]; then
      BENCH_TAKEN_PORTS+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "found no free port"
}

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# shellcheck disable=SC2120  # the arguments are optional
start_cluster() {
  local want_pgss=''
  if [[ ${1:-} == --pgss ]]; then want_pgss=1; shift; fi
  PG_PORT=''
  free_port PG_PORT
  log "initdb in $WORK (port $PG_PORT)"
  as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null ||
    die "initdb failed"
  PGSS=off
  if [[ -n $want_pgss && -f $("$PGBIN/pg_config" --sharedir)/extension/pg_stat_statements.control ]]; then
    PGSS=on
  fi
  {
    echo "port = $PG_PORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$SOCK'"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    echo "max_wal_size = 4GB"
    if (($#)); then printf '%s\n' "$@"; fi
    if [[ $PGSS == on ]]; then
      echo "shared_preload_libraries = 'pg_stat_statements'"
      echo "pg_stat_statements.track = all"
    fi
  } >>"$PGDATA_DIR/postgresql.conf"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w start >/dev/null ||
    die "the cluster did not start (see $PGDATA_DIR/server.log; KEEP=1)"
  PG_PID=$(head -n1 "$PGDATA_DIR/postmaster.pid")
  export PGHOST=$SOCK PGPORT=$PG_PORT PGUSER=postgres
  unset PGDATABASE PGPASSWORD PGOPTIONS PGSERVICE
  psql_q -d postgres -c "CREATE DATABASE erp" -c "CREATE DATABASE cxgw_store" ||
    die "cannot create the databases erp and cxgw_store"
}

# shellcheck disable=SC2120  # the argument is optional
load_demo_erp() {
  local t0
  if [[ ${1:-} == --notify ]]; then
    log "loading the demo ERP at scale $SCALE, with its NOTIFY triggers"
  else
    log "loading the demo ERP at scale $SCALE"
  fi
  t0=$(now)
  psql_q -d erp -f "$DEMO_ERP/schema.sql" || die "loading $DEMO_ERP/schema.sql failed"
  psql_q -d erp -v scale="$SCALE" -f "$DEMO_ERP/generate.sql" >&2 || die "loading $DEMO_ERP/generate.sql failed"
  if [[ ${1:-} == --notify ]]; then
    psql_q -d erp -c "SET client_min_messages = warning" -f "$DEMO_ERP/notify.sql" ||
      die "loading $DEMO_ERP/notify.sql failed"
  fi
  ERP_LOAD_S=$(calc "$(now) - $t0")
  log "loaded in $(printf %.1f "$ERP_LOAD_S") s"
}

# --- the mapping and the gateways ----------------------------------------------------------------
mapping_source() { awk '/^source:/ { on = 1 } /^twins:/ { exit } on' "$DEMO_MAPPING"; }
mapping_block() {  # mapping_block START_REGEX: from the matching line to the next list item or top-level key
  awk -v start="$1" '
    $0 ~ start { on = 1; print; next }
    on && (/^  - / || /^[a-z]/) { exit }
    on { print }' "$DEMO_MAPPING"
}
serial_mapping() {
  local out=$1 src
  shift
  SOURCE_BLOCK=$(mapping_source)
  TWIN_BLOCK=$(mapping_block '^  - class: serial$')
  ASPECT_BLOCK=$(mapping_block '^  - name: serial_parts$')
  [[ -n $SOURCE_BLOCK && -n $TWIN_BLOCK && -n $ASPECT_BLOCK ]] ||
    die "cannot find source / twin class serial / aspect serial_parts in $DEMO_MAPPING"
  src=$(sed -E "$@" <<<"$SOURCE_BLOCK") || die "sed -E $* failed on the mapping's source block"
  printf '%s\n\ntwins:\n%s\n\naspects:\n%s\n' "$src" "$TWIN_BLOCK" "$ASPECT_BLOCK" >"$out"
}

gateway_yaml() {  # gateway_yaml BPN PORT EDR_LIFETIME LOG_LEVEL THREADS EXTRA (THREADS may be empty)
  local threads_line=''
  [[ -z $5 ]] || threads_line=$'\n'"  threads: $5"
  cat <<EOF
server:
  bind_address: 127.0.0.1
  port: $2$threads_line
  tls:
    certificate_chain: certs/server.crt
    private_key: certs/server.key
    client_certificates: optional
    client_ca: ../trusted-cas.pem
    min_version: "1.2"
logging:
  level: $4
supplier:
  bpnl: $1
dsp:
  public_url: https://localhost:$2
  partner_registry: partners.yaml
  partner_ca: ../trusted-cas.pem
  token_signing_key: certs/edr-signing.key
  edr_lifetime: $3
$6
EOF
}
write_gateways() {
  local lifetime=$1 level=$2 threads=${3:-}
  # Two development CAs as two gateways have (the supplier's server certificate names its BPNL,
  # the OEM's names the OEM's), trusting each other.
  "$CXGW" dev-certs "$WORK/supplier/certs" --server-bpn "$SUPPLIER" >/dev/null || die "cxgw dev-certs failed"
  "$CXGW" dev-certs "$WORK/oem/certs" --server-bpn "$OEM" >/dev/null || die "cxgw dev-certs failed"
  { cat "$WORK/supplier/certs/ca.crt" "$WORK/oem/certs/ca.crt" >"$WORK/trusted-cas.pem" &&
    mkdir -p "$WORK/supplier/policies" &&
    cp -L "$REPO"/policies/examples/*.jsonld "$WORK/supplier/policies/" &&
    cp "$REPO/deploy/demo/partners.yaml" "$WORK/supplier/partners.yaml" &&
    cp "$WORK/mapping.yaml" "$WORK/supplier/mapping.yaml" &&
    printf 'partners:\n  - bpn: %s\n    membership: true\n' "$SUPPLIER" >"$WORK/oem/partners.yaml"; } ||
    die "cannot write the gateways' files in $WORK"
  gateway_yaml "$SUPPLIER" "$PORT" "$lifetime" "$level" "$threads" "policies:
  directory: policies
store:
  backend: postgres
  postgres_connection: \"dbname=cxgw_store user=postgres\"
sync:
  mappings:
    - mapping.yaml" >"$WORK/supplier/gateway.yaml"
  gateway_yaml "$OEM" "$OEM_PORT" "$lifetime" "$level" "$threads" "" >"$WORK/oem/gateway.yaml"
  export CXGW_DEMO_ERP_PASSWORD=cxgw-demo   # the demo mapping reads as cxgw_reader
}

start_serve() {
  (cd "$WORK/supplier" && exec "$CXGW" serve --config gateway.yaml) >"$WORK/serve.log" 2>&1 </dev/null &
  SERVE_PID=$!
  BENCH_PIDS+=("$SERVE_PID")
  CURL=(curl --silent --show-error --cacert "$WORK/supplier/certs/ca.crt")
  local ready=''
  for _ in $(seq 6000); do  # up to 10 min: serve's first sync
    kill -0 "$SERVE_PID" 2>/dev/null || { tail -n 30 "$WORK/serve.log" >&2; die "cxgw serve exited"; }
    if "${CURL[@]}" "https://localhost:$PORT/readyz" 2>/dev/null | grep -q 'last successful sync'; then
      ready=1
      break
    fi
    sleep 0.1
  done
  [[ -n $ready ]] || { "${CURL[@]}" "https://localhost:$PORT/readyz" >&2 || true; die "cxgw serve did not get ready (first sync)"; }
}

negotiate_edr() {
  log "negotiating an EDR for $ASSET as $OEM (cxgw fetch)"
  (cd "$WORK/oem" && "$CXGW" fetch --config gateway.yaml --provider "https://localhost:$PORT/api/v1/dsp/2025-1" \
    --provider-bpn "$SUPPLIER" --asset "$ASSET") >"$WORK/fetch.out" 2>&1 </dev/null ||
    { cat "$WORK/fetch.out" >&2; die "cxgw fetch failed"; }
  EDR=$(grep -m1 '^{"agreementId"' "$WORK/fetch.out") || { cat "$WORK/fetch.out" >&2; die "no EDR in the output of cxgw fetch"; }
  ENDPOINT=$(jq -r .endpoint <<<"$EDR") || die "unexpected EDR: $EDR"
  TOKEN=$(jq -r .authorization <<<"$EDR") || die "unexpected EDR: $EDR"
  EXPIRES=$(jq -r .expiresAt <<<"$EDR") || die "unexpected EDR: $EDR"
  [[ -n $TOKEN && $TOKEN != null && $ENDPOINT == https://localhost:$PORT/* ]] || die "unexpected EDR: $EDR"
}

store_counts() {
  TWINS=$(psql -X -qAt -d cxgw_store -c "SELECT count(*) FROM cxgw_twins WHERE NOT withdrawn") ||
    die "cannot count the store's twins"
  ASPECTS=$(psql -X -qAt -d cxgw_store -c "SELECT count(*) FROM cxgw_aspects WHERE NOT withdrawn") ||
    die "cannot count the store's aspects"
}

# --- the report ----------------------------------------------------------------------------------
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
machine_line() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), load $1 before / $2 after"
}
pg_version() { psql -X -qAt -d postgres -c "SHOW server_version"; }
describe_cxgw() {
  local rev
  rev=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
  echo "$("$CXGW" version 2>&1) ($CXGW, built $(date -r "$CXGW" '+%F %H:%M'); tree at $rev)"
}
