#!/usr/bin/env bash
# The cxgw demo, from a fresh Debian 12 machine: a supplier's ERP (PostgreSQL, generated
# production and quality data) mapped to Catena-X aspects, synced into the gateway's store
# and kept in sync in real time by `cxgw serve`, which answers over HTTPS.
#
# On a terminal it leaves the gateway running until Ctrl-C; otherwise it stops everything
# gracefully and exits with the gateway's exit code.
#   DEMO_SCALE=100000 deploy/scripts/demo.sh     more serialized parts (default 10000)
#   DEMO_PG_PORT=55433 deploy/scripts/demo.sh    another port for the demo's PostgreSQL
#   CXGW_BIN=build/dev/app/cxgw deploy/scripts/demo.sh
#                                                a cxgw binary already built: no install, no build
#                                                (the end-to-end test runs the demo this way)
# Config overrides apply as usual, e.g. CXGW_SERVER__PORT=9443 (the OEM's gateway listens on
# DEMO_OEM_PORT, default 8444).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

scale="${DEMO_SCALE:-10000}"
pg_port="${DEMO_PG_PORT:-55432}"
config=deploy/demo/gateway.yaml
certs=deploy/demo/certs
run_dir="${DEMO_RUN_DIR:-${repo}/deploy/demo/run}"
pg_dir="${run_dir}/pg"

oem_port="${DEMO_OEM_PORT:-8444}"
supplier_bpn=BPNL00000000SUPP
oem=BPNL000000000OEM
oem2=BPNL00000000OEM2

if [ -n "${CXGW_BIN:-}" ]; then
  step "1. Use the cxgw binary ${CXGW_BIN} (CXGW_BIN: no install, no build)"
  cxgw="$(cd "$(dirname "${CXGW_BIN}")" && pwd)/$(basename "${CXGW_BIN}")"
else
  step "1. Install dependencies and build the release binary"
  bash deploy/scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release
  cxgw="${repo}/build/release/app/cxgw"
fi
"${cxgw}" version
mkdir -p "${run_dir}"

step "2. Development certificates: the supplier's CA and server, and each OEM gateway's own CA and certificate"
if [ ! -f "${certs}/server.crt" ] || [ ! -f "${certs}/edr-signing.key" ] ||
  ! openssl x509 -checkend 86400 -noout -in "${certs}/server.crt" >/dev/null ||
  ! openssl x509 -noout -ext extendedKeyUsage -in "${certs}/server.crt" | grep -q "Client Authentication" ||
  ! openssl x509 -noout -ext subjectAltName -in "${certs}/server.crt" | grep -q "urn:bpn:${supplier_bpn}"; then
  "${cxgw}" dev-certs "${certs}" --client-bpn "${oem}" --server-bpn "${supplier_bpn}"
else
  echo "reusing ${certs} (valid for at least another day)"
fi
# Each OEM runs a cxgw of its own: its own BPN, CA, certificate and EDR key. The supplier trusts
# their CAs (and they the supplier's) through one bundle.
cp "${certs}/ca.crt" "${run_dir}/trusted-cas.pem"
for name in oem oem2; do
  bpn=$([ "${name}" = oem ] && echo "${oem}" || echo "${oem2}")
  "${cxgw}" dev-certs "${run_dir}/${name}/certs" --server-bpn "${bpn}" >/dev/null
  cat "${run_dir}/${name}/certs/ca.crt" >>"${run_dir}/trusted-cas.pem"
  printf 'partners:\n  - bpn: %s\n    membership: true\n' "${supplier_bpn}" >"${run_dir}/${name}/partners.yaml"
  cat >"${run_dir}/${name}/gateway.yaml" <<YAML
# The gateway of ${bpn}, used as DSP consumer by \`cxgw fetch\` (written by demo.sh).
server:
  bind_address: 127.0.0.1
  port: ${oem_port}
  tls:
    certificate_chain: certs/server.crt
    private_key: certs/server.key
    client_certificates: optional
    client_ca: ../trusted-cas.pem
logging:
  level: warn
supplier:
  bpnl: ${bpn}
dsp:
  public_url: https://localhost:${oem_port}
  partner_registry: partners.yaml
  partner_ca: ../trusted-cas.pem
  token_signing_key: certs/edr-signing.key
YAML
  echo "${bpn}: ${run_dir}/${name}/gateway.yaml, certificate ${run_dir}/${name}/certs/server.crt"
done
export CXGW_SERVER__TLS__CLIENT_CA="${run_dir}/trusted-cas.pem" CXGW_DSP__PARTNER_CA="${run_dir}/trusted-cas.pem"

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

provider=(--provider "${base}/api/v1/dsp/2025-1" --provider-bpn "${supplier_bpn}")
# The OEMs' gateways take their settings from their own files: the supplier's overrides
# (CXGW_*__* in this environment) are not theirs.
oem_cxgw() {
  local unset=()
  for name in $(compgen -e | grep -E '^CXGW_[A-Z0-9_]*__' || true); do unset+=(-u "${name}"); done
  env "${unset[@]}" "${cxgw}" "$@"
}
# A part delivered to the OEM (and to no one else), with a bill of material and EOL measurements.
serial=$(psql -qXtA -d erp -c "SELECT s.serial_no FROM erp.serials s
  JOIN erp.production_orders po ON po.id = s.production_order_id AND po.status = 'COMPLETED'
  JOIN erp.deliveries d ON d.serial_id = s.id
  JOIN erp.customers c ON c.id = d.customer_id AND c.bpnl = '${oem}'
  WHERE EXISTS (SELECT 1 FROM erp.consumptions x WHERE x.parent_serial_id = s.id)
    AND EXISTS (SELECT 1 FROM erp.inspections i JOIN erp.measurements m ON m.inspection_id = i.id
                WHERE i.serial_id = s.id)
    AND NOT EXISTS (SELECT 1 FROM erp.deliveries o JOIN erp.customers oc ON oc.id = o.customer_id
                    WHERE o.serial_id = s.id AND oc.bpnl <> '${oem}')
  ORDER BY s.id LIMIT 1")
[ -n "${serial}" ] || { echo "no serial in the ERP fits the story" >&2; exit 1; }

step "12. ${oem}'s cxgw finds part ${serial} in the supplier's twin registry (DSP negotiation, EDR, AAS lookup)"
oem_cxgw fetch --config "${run_dir}/oem/gateway.yaml" "${provider[@]}" \
  --part "partInstanceId=${serial}" >"${run_dir}/oem-part.json"
python3 - "${run_dir}/oem-part.json" <<'PY'
import json, sys
parts = json.load(open(sys.argv[1]))["parts"]
for part in parts:
    shell = part["shellDescriptor"]
    ids = {i["name"]: i["value"] for i in shell["specificAssetIds"]}
    print("found", part["globalAssetId"], "idShort", shell["idShort"], "ids", ids)
    print("submodel descriptors:", len(shell["submodelDescriptors"]))
print("RESULT step=lookup parts=%d" % len(parts))
PY

step "13. Its submodels, each fetched with its own agreement and EDR from the data plane"
python3 - "${run_dir}/oem-part.json" <<'PY'
import json, sys
part = json.load(open(sys.argv[1]))["parts"][0]
fetched = []
for submodel in part["submodels"]:
    name = submodel["semanticId"].split("#")[-1]
    if "payload" in submodel:
        payload = submodel["payload"]
        fetched.append(name)
        keys = ", ".join(list(payload)[:4])
        print(f"{name}: {len(json.dumps(payload))} bytes ({keys}, ...)")
    else:
        print(f"{name}: not fetched: {submodel.get('error', '?')}")
print("RESULT step=fetch aspects=" + ",".join(sorted(set(fetched))))
PY

step "14. ${oem2}, another customer with a registry agreement, cannot see that part"
status=0
oem_cxgw fetch --config "${run_dir}/oem2/gateway.yaml" "${provider[@]}" \
  --part "partInstanceId=${serial}" >"${run_dir}/oem2-part.json" 2>"${run_dir}/oem2-part.err" || status=$?
cat "${run_dir}/oem2-part.err"
echo "RESULT step=isolation exit=${status} leaked=$(grep -c "${serial}" "${run_dir}/oem2-part.json" || true)"

step "15. The part changes in the ERP; the OEM's change feed reports it within a second"
asset=SerialPart-4.0.0
oem_cxgw fetch --config "${run_dir}/oem/gateway.yaml" "${provider[@]}" --asset "${asset}" \
  --changes >"${run_dir}/oem-changes.jsonl" 2>"${run_dir}/oem-changes.err"
cursor=$(sed -n 's/^cursor: //p' "${run_dir}/oem-changes.err")
echo "${oem} follows ${asset}: $(wc -l <"${run_dir}/oem-changes.jsonl") aspects so far, cursor ${cursor}"
oem_cxgw fetch --config "${run_dir}/oem/gateway.yaml" "${provider[@]}" --asset "${asset}" \
  --changes --since "${cursor}" --follow 30 --max-changes 1 >"${run_dir}/oem-follow.jsonl" 2>/dev/null &
follower=$!
sleep 2  # the follower negotiates (or reuses its agreement) and opens the stream
echo "moving the production date of ${serial} back by one day in the ERP"
changed_at=$(date +%s.%N)
psql -qX -d erp -c "UPDATE erp.serials SET manufactured_at = manufactured_at - interval '1 day' WHERE serial_no = '${serial}'"
wait "${follower}" || true
arrived_at=$(date +%s.%N)
cat "${run_dir}/oem-follow.jsonl"
twin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["parts"][0]["globalAssetId"])' "${run_dir}/oem-part.json")
echo "RESULT step=feed reported=$(grep -c "${twin}" "${run_dir}/oem-follow.jsonl" || true) seconds=$(python3 -c "print(round(${arrived_at} - ${changed_at}, 2))")"

step "16. What the audit trail holds about ${oem} (cxgw audit query)"
"${cxgw}" audit query --config "${config}" --partner "${oem}" --format csv |
  python3 -c 'import csv, sys, collections
rows = list(csv.DictReader(sys.stdin))
print(len(rows), "decisions, by scope and outcome:")
for (scope, decision), n in sorted(collections.Counter((r["scope"], r["decision"]) for r in rows).items()):
    print(f"  {scope:12} {decision:6} {n}")'
"${cxgw}" audit verify --config "${config}" | tail -n 1

step "17. GET ${base}/metrics (excerpt)"
curl "${curl_tls[@]}" "${base}/metrics" | grep -E '^cxgw_(sync_runs_total|store_twins|store_aspects|store_quarantined_rows|http_requests_total)'

if [ -t 0 ] && [ -t 1 ]; then
  step "The gateway keeps running and syncing: ${base}/healthz, ${base}/readyz, ${base}/metrics. Ctrl-C stops it."
  trap 'echo; stop_all; exit 0' INT TERM
  wait "${gateway_pid}"
else
  step "18. Graceful shutdown (SIGTERM)"
  kill -TERM "${gateway_pid}"
  status=0
  wait "${gateway_pid}" || status=$?
  gateway_pid=""
  tail -n 2 "${run_dir}/gateway.log"
  echo "gateway exited with status ${status}"
  exit "${status}"
fi
