#!/usr/bin/env bash
# The cxgw demo, from a fresh Debian 12 machine: a supplier's ERP (PostgreSQL, generated
# production and quality data) mapped to Catena-X aspects, synced into the gateway's store
# and kept in sync in real time by `cxgw serve`, which answers over HTTPS.
#
# On a terminal it leaves the gateway running until Ctrl-C; otherwise it stops everything
# gracefully and exits with the gateway's exit code.
#   DEMO_SCALE=100000 deploy/scripts/demo.sh     more serialized parts (default 10000)
#   DEMO_PG_PORT=55433 deploy/scripts/demo.sh    another port for the demo's PostgreSQL
# Config overrides apply as usual, e.g. CXGW_SERVER__PORT=9443.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

scale="${DEMO_SCALE:-10000}"
pg_port="${DEMO_PG_PORT:-55432}"
config=deploy/demo/gateway.yaml
certs=deploy/demo/certs
run_dir="${repo}/deploy/demo/run"
pg_dir="${run_dir}/pg"

step "1. Install dependencies and build the release binary"
bash deploy/scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
cxgw="${repo}/build/release/app/cxgw"
"${cxgw}" version

step "2. Development certificates (a local CA, the server, one OEM client)"
if [ ! -f "${certs}/server.crt" ] || [ ! -f "${certs}/edr-signing.key" ] ||
  ! openssl x509 -checkend 86400 -noout -in "${certs}/server.crt" >/dev/null ||
  ! openssl x509 -noout -ext extendedKeyUsage -in "${certs}/server.crt" | grep -q "Client Authentication"; then
  "${cxgw}" dev-certs "${certs}" --client-bpn BPNL000000000OEM
else
  echo "reusing ${certs} (valid for at least another day)"
fi

step "3. A throwaway PostgreSQL 15 for the ERP and the gateway's store (port ${pg_port})"
pg_bin=/usr/lib/postgresql/15/bin
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then as_postgres=(runuser -u postgres --); fi
gateway_pid=""
stop_all() {
  if [ -n "${gateway_pid}" ] && kill -0 "${gateway_pid}" 2>/dev/null; then
    kill -TERM "${gateway_pid}"
    wait "${gateway_pid}" || true
  fi
  if [ -f "${pg_dir}/data/postmaster.pid" ]; then
    "${as_postgres[@]}" "${pg_bin}/pg_ctl" -D "${pg_dir}/data" -m fast stop >/dev/null || true
  fi
}
trap stop_all EXIT
stop_all
rm -rf "${pg_dir}"
mkdir -p "${pg_dir}"
if [ "$(id -u)" -eq 0 ]; then chown postgres "${pg_dir}"; fi
"${as_postgres[@]}" "${pg_bin}/initdb" -D "${pg_dir}/data" -A trust -U postgres --no-sync >/dev/null
if ! "${as_postgres[@]}" "${pg_bin}/pg_ctl" -D "${pg_dir}/data" -l "${pg_dir}/server.log" -w \
  -o "-p ${pg_port} -k ${pg_dir} -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
  echo "PostgreSQL did not start (is port ${pg_port} taken? set DEMO_PG_PORT):" >&2
  tail -n 5 "${pg_dir}/server.log" >&2
  exit 1
fi
export PGHOST=127.0.0.1 PGPORT="${pg_port}" PGUSER=postgres
psql -qX -c "CREATE DATABASE erp" -c "CREATE DATABASE cxgw_store"
echo "PostgreSQL running, data in ${pg_dir}"

step "4. The demo ERP: schema, ${scale} serialized parts with realistic dirt, NOTIFY triggers"
psql -qX -d erp -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
  -f deploy/demo/erp/schema.sql -v scale="${scale}" -f deploy/demo/erp/generate.sql \
  -f deploy/demo/erp/notify.sql >/dev/null
# The mapping connects as the read-only role cxgw_reader; its password comes from here.
export CXGW_DEMO_ERP_PASSWORD=cxgw-demo

step "5. Check the mapping against the live ERP and the aspect schemas"
"${cxgw}" mapping check deploy/demo/erp/mapping.yaml --config "${config}"

step "6. Full sync into the store, and what was quarantined (summary; all rows in ${run_dir}/sync-report.txt)"
"${cxgw}" sync --config "${config}" --report >"${run_dir}/sync-report.txt"
sed -n '/^rows:/q;p' "${run_dir}/sync-report.txt"

step "7. The usage policies the gateway enforces (policies/examples), in plain words"
"${cxgw}" policy lint deploy/demo/policies
for policy in access-bpn-allow-list usage-traceability-purpose usage-time-limited; do
  "${cxgw}" policy explain "${policy}" --policies deploy/demo/policies | sed -n '2p'
done
printf 'bpn: BPNL000000000OEM\nmembership: true\nframework_agreements: [DataExchangeGovernance:1.0]\npurposes: [cx.quality.base:1]\n' \
  >"${run_dir}/oem-profile.yaml"
echo "What BPNL000000000OEM (member, Data Exchange Governance signed, purpose quality) may agree to:"
"${cxgw}" policy test --partner "${run_dir}/oem-profile.yaml" --policies deploy/demo/policies |
  grep -E '^Contract definition|may agree|refused partner is told'

step "8. Start the gateway: it serves over HTTPS and keeps the ERP in sync"
"${cxgw}" serve --config "${config}" >"${run_dir}/gateway.log" 2>&1 &
gateway_pid=$!
port="${CXGW_SERVER__PORT:-$(awk '/^  port:/ {print $2; exit}' "${config}")}"
base="https://localhost:${port}"
curl_tls=(--silent --show-error --cacert "${certs}/ca.crt")
for _ in $(seq 1 100); do
  if curl "${curl_tls[@]}" --output /dev/null "${base}/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "${gateway_pid}" 2>/dev/null; then
    echo "the gateway exited; its log:" >&2
    cat "${run_dir}/gateway.log" >&2
    exit 1
  fi
  sleep 0.1
done
echo "gateway running as pid ${gateway_pid}, log in ${run_dir}/gateway.log"

step "9. GET ${base}/healthz over HTTPS"
curl "${curl_tls[@]}" --include "${base}/healthz"; echo

step "10. GET ${base}/readyz with the OEM's client certificate (mutual TLS)"
curl "${curl_tls[@]}" --cert "${certs}/client-BPNL000000000OEM.crt" \
  --key "${certs}/client-BPNL000000000OEM.key" "${base}/readyz"; echo

step "11. The OEM's connector asks for the DSP catalog (2025-1) with its client certificate"
curl "${curl_tls[@]}" "${base}/.well-known/dspace-version"; echo
curl "${curl_tls[@]}" --cert "${certs}/client-BPNL000000000OEM.crt" \
  --key "${certs}/client-BPNL000000000OEM.key" -H 'Content-Type: application/json' \
  --data '{"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], "@type": "CatalogRequestMessage"}' \
  "${base}/api/v1/dsp/2025-1/catalog/request" |
  python3 -c 'import json, sys
catalog = json.load(sys.stdin)
print("participant", catalog["participantId"], "offers BPNL000000000OEM", len(catalog.get("dataset", [])), "dataset(s):")
for d in catalog.get("dataset", []):
    print("  ", d["@id"], "-", len(d["hasPolicy"]), "offer(s)")'
echo "without a client certificate:"
curl "${curl_tls[@]}" --write-out ' -> HTTP %{http_code}\n' -H 'Content-Type: application/json' \
  --data '{"@context": ["https://w3id.org/dspace/2025/1/context.jsonld"], "@type": "CatalogRequestMessage"}' \
  "${base}/api/v1/dsp/2025-1/catalog/request"

step "12. A change in the ERP reaches the store in real time (LISTEN/NOTIFY)"
twin_count() { psql -qXtA -d cxgw_store -c "SELECT count(*) FROM cxgw_twins WHERE NOT withdrawn"; }
before=$(twin_count)
order=$(psql -qXtA -d erp -c "SELECT po.order_no FROM erp.production_orders po
  JOIN erp.serials s ON s.production_order_id = po.id
  JOIN erp.deliveries d ON d.serial_id = s.id
  JOIN erp.customers c ON c.id = d.customer_id AND c.bpnl = 'BPNL000000000OEM'
  WHERE po.status = 'COMPLETED' ORDER BY po.id DESC LIMIT 1")
echo "cancelling production order ${order} in the ERP"
psql -qX -d erp -c "UPDATE erp.production_orders SET status = 'CANCELLED' WHERE order_no = '${order}'"
for _ in $(seq 1 100); do
  [ "$(twin_count)" != "${before}" ] && break
  sleep 0.1
done
echo "twins served before the cancellation: ${before}, after: $(twin_count) (its parts are withdrawn)"
sleep 0.5
grep '"msg":"synced"' "${run_dir}/gateway.log" | tail -n 3 || true

step "13. GET ${base}/metrics (excerpt)"
curl "${curl_tls[@]}" "${base}/metrics" | grep -E '^cxgw_(sync_runs_total|store_twins|store_aspects|store_quarantined_rows|http_requests_total)'

if [ -t 0 ] && [ -t 1 ]; then
  step "The gateway keeps running and syncing: ${base}/healthz, ${base}/readyz, ${base}/metrics. Ctrl-C stops it."
  trap 'echo; stop_all; exit 0' INT TERM
  wait "${gateway_pid}"
else
  step "14. Graceful shutdown (SIGTERM)"
  kill -TERM "${gateway_pid}"
  status=0
  wait "${gateway_pid}" || status=$?
  gateway_pid=""
  tail -n 2 "${run_dir}/gateway.log"
  echo "gateway exited with status ${status}"
  exit "${status}"
fi
