#!/usr/bin/env bash
# The cxgw demo, from a fresh Debian 12 machine: installs what is missing, builds the release
# binary, writes development certificates, starts `cxgw serve` with deploy/demo/gateway.yaml
# and talks to it over HTTPS.
#
# On a terminal it then leaves the gateway running until Ctrl-C; otherwise it stops it
# gracefully (SIGTERM) and exits with the gateway's exit code.
# Environment overrides apply as usual, e.g. CXGW_SERVER__PORT=9443 deploy/scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Install dependencies and build the release binary"
bash deploy/scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
cxgw=build/release/app/cxgw
"${cxgw}" version

config=deploy/demo/gateway.yaml
certs=deploy/demo/certs
run_dir=deploy/demo/run
mkdir -p "${run_dir}"

step "2. Development certificates (a local CA, the server, one OEM client)"
if [ ! -f "${certs}/server.crt" ] || ! openssl x509 -checkend 86400 -noout -in "${certs}/server.crt" >/dev/null; then
  "${cxgw}" dev-certs "${certs}" --client-bpn BPNL000000000OEM
else
  echo "reusing ${certs} (valid for at least another day)"
fi

step "3. Check the configuration (secrets masked)"
"${cxgw}" config check "${config}"

step "4. Start the gateway"
port="${CXGW_SERVER__PORT:-$(awk '/^  port:/ {print $2; exit}' "${config}")}"
"${cxgw}" serve --config "${config}" >"${run_dir}/gateway.log" 2>&1 &
gateway_pid=$!
stop_gateway() {
  if kill -0 "${gateway_pid}" 2>/dev/null; then
    kill -TERM "${gateway_pid}"
    wait "${gateway_pid}"
  fi
}
trap 'stop_gateway' EXIT

base="https://localhost:${port}"
curl_tls=(--silent --show-error --cacert "${certs}/ca.crt")
for _ in $(seq 1 100); do
  if curl "${curl_tls[@]}" --output /dev/null "${base}/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "${gateway_pid}" 2>/dev/null; then
    echo "the gateway exited; its log:" >&2
    cat "${run_dir}/gateway.log" >&2
    trap - EXIT
    exit 1
  fi
  sleep 0.1
done
echo "gateway running as pid ${gateway_pid}, log in ${run_dir}/gateway.log"

step "5. GET ${base}/healthz over HTTPS (server certificate verified against the demo CA)"
curl "${curl_tls[@]}" --include "${base}/healthz"; echo

step "6. GET ${base}/readyz with the OEM's client certificate (mutual TLS)"
curl "${curl_tls[@]}" --cert "${certs}/client-BPNL000000000OEM.crt" \
  --key "${certs}/client-BPNL000000000OEM.key" "${base}/readyz"; echo

step "7. GET ${base}/metrics (Prometheus text format, excerpt)"
curl "${curl_tls[@]}" "${base}/metrics" | grep -E '^cxgw_(http_requests_total|http_open_connections|tls_handshake_failures_total)'

step "8. The gateway's JSON access log"
tail -n 3 "${run_dir}/gateway.log"

if [ -t 0 ] && [ -t 1 ]; then
  step "The gateway keeps running: ${base}/healthz, ${base}/readyz, ${base}/metrics. Ctrl-C stops it."
  trap 'echo; stop_gateway; exit 0' INT TERM
  wait "${gateway_pid}"
else
  step "9. Graceful shutdown (SIGTERM)"
  trap - EXIT
  kill -TERM "${gateway_pid}"
  status=0
  wait "${gateway_pid}" || status=$?
  tail -n 2 "${run_dir}/gateway.log"
  echo "gateway exited with status ${status}"
  exit "${status}"
fi
