#!/usr/bin/env bash
# Benchmark: how long a change committed in the ERP takes to reach a partner that follows the
# change feed (GET /api/public/changes as Server-Sent Events) of `cxgw serve`, end to end:
# ERP commit -> NOTIFY -> incremental sync -> store commit -> store NOTIFY -> feed -> SSE event.
#
#   bench/change_feed_latency.sh [SCALE]   SCALE = rows in erp.serials (default 2000, min 300)
#
# Environment: CXGW_BIN (binary to measure; default build/release/app/cxgw, built with -j1 if
# missing or too old to have `fetch`), SAMPLES (changes measured, default 50), INTERVAL_MS (pause
# after each sample's event before the next change, default 400) plus a random 0..JITTER_MS
# (default 200; seeded, SEED=1), TIMEOUT_S (a change whose event has not come after this is lost,
# default 10), MAPPING (full: deploy/demo/erp/mapping.yaml as it is, every twin class and aspect,
# the default; serial: only the twin class `serial` and the aspect `serial_parts`, as the other
# benchmarks), PGBIN (default /usr/lib/postgresql/15/bin), KEEP=1 (keep the temp dir).
#
# It starts a throwaway PostgreSQL cluster (durability off, Unix socket only, in a temp dir),
# loads deploy/demo/erp at SCALE and installs its NOTIFY triggers (notify.sql), starts
# `cxgw serve` with the demo mapping, its notify_channel kept and poll_interval raised to 1h (so
# that only LISTEN/NOTIFY can explain a sync during the measurement), negotiates an EDR for the
# asset SerialPart-4.0.0 as the demo OEM with `cxgw fetch`, reads the feed's history as JSON pages
# up to its end and opens one SSE stream (curl) after the last cursor. Each sample updates
# erp.serials.manufactured_at (the SerialPart's productionDate) of one serial whose twin the OEM
# sees, and times the event of that twin on the stream against the commit's acknowledgment.
# An event later than TIMEOUT_S counts as lost (verdict: not met); it is still awaited, during
# the next samples and up to 60 s after the last, and reported as late or as never arrived.
# It always exits 0 once it has measured: the verdict is printed, not returned.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SCALE=${1:-2000}
SAMPLES=${SAMPLES:-50}
INTERVAL_MS=${INTERVAL_MS:-400}
JITTER_MS=${JITTER_MS:-200}
TIMEOUT_S=${TIMEOUT_S:-10}
SEED=${SEED:-1}
MAPPING=${MAPPING:-full}
ASPECT_URN='urn:samm:io.catenax.serial_part:4.0.0#SerialPart'
GOAL_MS=1000
set_cmdline "bench/change_feed_latency.sh $SCALE" MAPPING:full SEED:1 TIMEOUT_S:10 JITTER_MS:200 INTERVAL_MS:400 SAMPLES:50

require_scale
require_positive SAMPLES TIMEOUT_S
require_non_negative INTERVAL_MS JITTER_MS SEED
[[ $MAPPING == full || $MAPPING == serial ]] || die "MAPPING must be full or serial, got '$MAPPING'"
require_pgbin
for f in schema.sql generate.sql notify.sql mapping.yaml; do
  [[ -f $DEMO_ERP/$f ]] || die "missing $DEMO_ERP/$f"
done
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
apt_install "${missing[@]}"
command -v stdbuf >/dev/null || die "stdbuf (coreutils) is missing"

# --- 1. the binary -------------------------------------------------------------------------------
find_cxgw fetch

# --- 2. throwaway cluster ------------------------------------------------------------------------
make_workdir
start_cluster
free_port PORT       # cxgw serve (the supplier)
free_port OEM_PORT   # cxgw fetch's callback listener (the OEM)
load_demo_erp --notify

# --- the mapping ---------------------------------------------------------------------------------
# The demo mapping with its notify_channel (real-time sync: the path measured) and poll_interval
# raised to 1h, so that no scheduled poll can deliver a change during the measurement. MAPPING=
# serial: only the twin class serial and the aspect serial_parts, cut verbatim out of it as in
# sync_vs_copy.sh.
CHANNEL=$(mapping_source | awk '/^  notify_channel:/ { print $2 }')
[[ -n $CHANNEL ]] || die "$DEMO_MAPPING has no source.notify_channel"
grep -q "pg_notify('$CHANNEL'" "$DEMO_ERP/notify.sql" ||
  die "notify.sql does not notify channel $CHANNEL (the mapping's notify_channel)"
RAISE_POLL='s/^(  poll_interval:).*/\1 1h/'
if [[ $MAPPING == full ]]; then
  mapping_source | sed -E "$RAISE_POLL" >"$WORK/mapping.yaml"
  awk '/^twins:/ { on = 1 } on' "$DEMO_MAPPING" >>"$WORK/mapping.yaml"
  MAPPING_NOTE="deploy/demo/erp/mapping.yaml (every twin class and aspect), poll_interval 1h"
else
  serial_mapping "$WORK/mapping.yaml" "$RAISE_POLL"
  MAPPING_NOTE="twin class serial and aspect serial_parts of deploy/demo/erp/mapping.yaml, poll_interval 1h"
fi
grep -qE '^  poll_interval: 1h$' "$WORK/mapping.yaml" || die "could not raise poll_interval in the mapping"
grep -qE "^  notify_channel: $CHANNEL$" "$WORK/mapping.yaml" || die "the mapping lost its notify_channel"

# --- certificates and configs (as serve_vs_nginx.sh, logging at info) ----------------------------
# The stream ends when its token expires: the token must outlive the whole measurement, even if
# every sample were lost.
write_gateways "$(((SAMPLES * (TIMEOUT_S + 1) + 900) / 60 + 1))m" info

# --- 3. cxgw serve: its first sync loads the store -----------------------------------------------
log "starting cxgw serve on port $PORT; its first sync loads the store"
t0=$(now)
start_serve
LOAD_S=$(calc "$(now) - $t0")
store_counts
OEM_VISIBLE=$(psql -X -qAt -d cxgw_store -c "
  SELECT count(*) FROM cxgw_twins t JOIN cxgw_aspects a ON a.global_asset_id = t.global_asset_id
   WHERE NOT t.withdrawn AND NOT a.withdrawn AND '$OEM' = ANY (t.visible_to)
     AND a.aspect_urn = '$ASPECT_URN'")
log "ready after $(printf %.1f "$LOAD_S") s: $TWINS twins, $ASPECTS aspects; $OEM sees $OEM_VISIBLE SerialPart 4.0.0 aspects"

# --- 4. the serials to change: twins the OEM sees, with a SerialPart 4.0.0 aspect ----------------
# From the store: each such twin's global asset id and its manufacturerPartId / partInstanceId;
# in the ERP: the serial with exactly that part number and serial number (a serial number that
# the sync rewrote, part of the demo's dirt, does not match and is left out). Up to SAMPLES distinct serials
# in the order of their ERP id; with fewer, the samples go round them again.
psql -X -qAt -F $'\t' -v ON_ERROR_STOP=1 -d cxgw_store -c "
  SELECT t.global_asset_id,
         (SELECT substr(x, 20) FROM unnest(t.specific_asset_ids) x WHERE x LIKE 'manufacturerPartId=%' LIMIT 1),
         (SELECT substr(x, 16) FROM unnest(t.specific_asset_ids) x WHERE x LIKE 'partInstanceId=%' LIMIT 1)
    FROM cxgw_twins t JOIN cxgw_aspects a ON a.global_asset_id = t.global_asset_id
   WHERE NOT t.withdrawn AND NOT a.withdrawn AND '$OEM' = ANY (t.visible_to)
     AND a.aspect_urn = '$ASPECT_URN'" >"$WORK/visible.tsv"
chmod a+r "$WORK/visible.tsv"
psql -X -qAt -F $'\t' -v ON_ERROR_STOP=1 -d erp >"$WORK/targets.tsv" <<EOF
CREATE TEMP TABLE visible (global_asset_id text, part_number text, serial_no text);
\copy visible FROM '$WORK/visible.tsv'
SELECT s.id, v.global_asset_id
  FROM visible v JOIN erp.items i ON i.part_number = v.part_number
  JOIN erp.serials s ON s.item_id = i.id AND s.serial_no = v.serial_no
 ORDER BY s.id LIMIT $SAMPLES;
EOF
TARGETS=$(wc -l <"$WORK/targets.tsv")
((TARGETS > 0)) || die "no ERP serial found for the twins $OEM sees (see $WORK/visible.tsv; KEEP=1)"
log "$TARGETS serials to change (twins visible to $OEM)"

# --- 5. the EDR ----------------------------------------------------------------------------------
negotiate_edr
FEED_URL=${ENDPOINT%/}/changes
log "EDR valid until $EXPIRES; feed $FEED_URL"

# --- 6. the measurement --------------------------------------------------------------------------
# One process keeps the SSE connection (curl -N -i, output read line by line and stamped with
# time.monotonic() as it arrives) and a psql session on the ERP (autocommit). A sample sends
# `UPDATE …; \echo ACK` to psql: the \echo runs only once the UPDATE's commit has been
# acknowledged, so its arrival (t_commit) is the commit's return time; t_send is taken just
# before the statement is written. latency = t_event - t_commit; the psql round trip
# (t_commit - t_send) bounds how much earlier the commit itself may have happened.
cat >"$WORK/measure.py" <<'PY'
import json, os, queue, random, ssl, statistics, subprocess, sys, threading, time, urllib.request

env = os.environ
SAMPLES, TIMEOUT = int(env["SAMPLES"]), float(env["TIMEOUT_S"])
INTERVAL, JITTER = int(env["INTERVAL_MS"]) / 1000, int(env["JITTER_MS"]) / 1000
FEED, TOKEN, CA, WORK = env["FEED_URL"], env["TOKEN"], env["CA"], env["WORK"]
ASPECT_URN, GOAL_MS = env["ASPECT_URN"], float(env["GOAL_MS"])
random.seed(int(env["SEED"]))
targets = [line.split("\t") for line in open(os.path.join(WORK, "targets.tsv")).read().splitlines() if line]

def log(msg):
    print(time.strftime("[%H:%M:%S] ") + msg, file=sys.stderr, flush=True)

def die(msg):
    print("change_feed_latency: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)

# 1. The history, as JSON pages of 1000, up to its end: the stream starts after it.
ctx = ssl.create_default_context(cafile=CA)
cursor, replayed, t0 = "", 0, time.monotonic()
while True:
    url = FEED + "?limit=1000" + ("&since=" + cursor if cursor else "")
    req = urllib.request.Request(url, headers={"Authorization": TOKEN, "Accept": "application/json"})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        page = json.load(r)
    replayed += len(page["changes"])
    cursor = page["cursor"]
    if not page["more"]:
        break
drain_s = time.monotonic() - t0
log(f"history: {replayed} changes in {drain_s:.2f} s as pages; the stream starts after cursor {cursor}")

# 2. The stream, read line by line; every line is stamped on arrival.
lines = queue.Queue()
curl = subprocess.Popen(
    # stdbuf: with -i curl writes the header through stdio's full buffering, so that it would show
    # only with the first event or keep-alive; -N unbuffers the body only.
    ["stdbuf", "-oL", "curl", "-sSN", "-i", "--cacert", CA, "-H", "Authorization: " + TOKEN,
     "-H", "Accept: text/event-stream", "-H", "Last-Event-ID: " + cursor, FEED],
    stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "curl.err"), "wb"))

def reader():
    for raw in curl.stdout:
        lines.put((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\r\n")))
    lines.put((time.monotonic(), None))
threading.Thread(target=reader, daemon=True).start()

stream_log = open(os.path.join(WORK, "stream.log"), "w", buffering=1)
state = {"in_header": True, "status": None, "data": None, "ended": False, "keepalives": 0}
def next_event(deadline):
    """The next complete SSE event as (t_arrival, data dict), or None at the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or state["ended"]:
            return None
        try:
            t, line = lines.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            state["ended"] = True
            log("the stream ended (curl exited with %s)" % curl.wait())
            return None
        stream_log.write(f"{t:.6f} {line}\n")
        if state["in_header"]:
            if state["status"] is None and line.startswith("HTTP/"):
                state["status"] = int(line.split()[1])
            elif line == "":
                state["in_header"] = False
                if state["status"] != 200:
                    die(f"the stream answered HTTP {state['status']} (see {WORK}/stream.log; KEEP=1)")
                return (t, None)  # the header is in: the stream is open
            continue
        if line.startswith("data:"):
            state["data"] = (t, json.loads(line[5:].strip()))
        elif line.startswith(":"):
            state["keepalives"] += 1
        elif line == "" and state["data"] is not None:
            event, state["data"] = state["data"], None
            return event

opened = next_event(time.monotonic() + 30)
if opened is None:
    die("no answer from the stream within 30 s")
# Caught up: nothing should come now, the stream starts after the last change listed.
quiet_events = 0
deadline = time.monotonic() + 2
while next_event(deadline) is not None:
    quiet_events += 1
log(f"stream open; {quiet_events} events in the next 2 s (expected 0: it resumes after the history)")

# 3. The psql session on the ERP.
psql = subprocess.Popen(["stdbuf", "-oL", "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", "erp"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "psql.err"), "wb"),
                        text=True, bufsize=1)

def commit(sql, k):
    t_send = time.monotonic()
    psql.stdin.write(sql + f"\n\\echo ACK {k}\n")
    psql.stdin.flush()
    got = []
    while True:
        line = psql.stdout.readline()
        if not line:
            die(f"psql ended: {open(os.path.join(WORK, 'psql.err')).read()}")
        line = line.rstrip("\n")
        if line == f"ACK {k}":
            return t_send, time.monotonic(), time.time(), got
        got.append(line)

commit("SELECT 1;", "warm-up")  # connect before the first sample

# 4. The samples.
samples, unexpected, late, lost = [], 0, [], []  # lost: awaiting a late event
lost_count = 0
log(f"{SAMPLES} samples, {INTERVAL * 1000:.0f} ms + 0..{JITTER * 1000:.0f} ms apart, timeout {TIMEOUT:.0f} s")
for k in range(SAMPLES):
    serial_id, gaid = targets[k % len(targets)]
    time.sleep(INTERVAL + random.uniform(0, JITTER))
    t_send, t_commit, wall_commit, out = commit(
        f"UPDATE erp.serials SET manufactured_at = manufactured_at - interval '1 day' WHERE id = {serial_id} RETURNING id;", k)
    if out != [serial_id]:
        die(f"sample {k}: the UPDATE of serial {serial_id} returned {out}")
    deadline, found = t_commit + TIMEOUT, None
    while True:
        ev = next_event(deadline)
        if ev is None:
            break
        t, data = ev
        if data.get("globalAssetId") == gaid and data.get("semanticId") == ASPECT_URN and data.get("change") == "updated":
            found, href = t, data.get("href")
            break
        # An event of an earlier, lost sample arriving late, or one nobody asked for.
        earlier = [s for s in lost if s["gaid"] == data.get("globalAssetId")]
        if earlier:
            earlier[0]["late_ms"] = (t - earlier[0]["t_commit"]) * 1000
            late.append((earlier[0]["k"], earlier[0]["late_ms"]))
            lost.remove(earlier[0])  # counted as lost all the same; its event is in now
        else:
            unexpected += 1
    s = {"k": k, "serial_id": serial_id, "gaid": gaid, "t_send": t_send, "t_commit": t_commit,
         "wall_commit": wall_commit, "rtt_ms": (t_commit - t_send) * 1000}
    if found is None:
        s["latency_ms"] = None
        lost.append(s)
        lost_count += 1
        log(f"sample {k + 1}/{SAMPLES}: serial {serial_id}: LOST (no event within {TIMEOUT:.0f} s)")
    else:
        s["latency_ms"] = (found - t_commit) * 1000
        s["wall_event"] = wall_commit + (found - t_commit)
        s["href"] = href
        if (k + 1) % 10 == 0 or s["latency_ms"] >= GOAL_MS:
            log(f"sample {k + 1}/{SAMPLES}: serial {serial_id}: {s['latency_ms']:.1f} ms")
    samples.append(s)
    if state["ended"]:
        die("the stream ended during the samples")

# Lost samples: give their events up to 60 s more, to tell "late" from "never".
if lost:
    log(f"waiting up to 60 s for the events of {len(lost)} lost samples")
    deadline = time.monotonic() + 60
    while lost:
        ev = next_event(deadline)
        if ev is None:
            break
        t, data = ev
        earlier = [s for s in lost if s["gaid"] == data.get("globalAssetId")]
        if earlier:
            earlier[0]["late_ms"] = (t - earlier[0]["t_commit"]) * 1000
            late.append((earlier[0]["k"], earlier[0]["late_ms"]))
            lost.remove(earlier[0])
        else:
            unexpected += 1
never = sorted(s["k"] + 1 for s in lost)

# 5. Where the time went, for serials changed once: the store write's start (cxgw_aspects.
# updated_at, the now() of the sync's store transaction) splits each latency into the sync's
# share (ERP commit -> store transaction begun) and the rest (store commit, NOTIFY, feed read,
# send).
once = {}
for s in samples:
    once[s["gaid"]] = once.get(s["gaid"], 0) + 1
ids = [s["gaid"] for s in samples if once[s["gaid"]] == 1 and s["latency_ms"] is not None]
split = {}
if ids:
    q = ("SELECT global_asset_id, extract(epoch FROM updated_at) FROM cxgw_aspects WHERE aspect_urn = '%s' "
         "AND global_asset_id IN (%s)" % (ASPECT_URN, ",".join("'%s'" % i for i in ids)))
    out = subprocess.run(["psql", "-X", "-qAt", "-F", "\t", "-d", "cxgw_store", "-c", q],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        g, t = line.split("\t")
        split[g] = float(t)
# The payload behind the last event carries the ERP's new value.
check = "no sample received"
last = [s for s in samples if s["latency_ms"] is not None][-1:]
if last:
    s = last[0]
    erp_date = commit(f"SELECT (s.manufactured_at AT TIME ZONE pl.time_zone)::date FROM erp.serials s "
                      f"JOIN erp.plants pl ON pl.id = s.plant_id WHERE s.id = {s['serial_id']};", "check")[3]
    req = urllib.request.Request(s["href"], headers={"Authorization": TOKEN})
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        served = json.load(r)["manufacturingInformation"]["productionDate"]
    check = (f"the last event's href serves productionDate {served}, the ERP has {erp_date[0] if erp_date else '?'}: "
             + ("same" if erp_date and served.startswith(erp_date[0]) else "DIFFERENT"))
psql.stdin.close()
psql.wait()
curl.terminate()
stream_log.close()

# 6. The report (stdout, for the shell script to print).
def pct(values, p):  # nearest rank
    v = sorted(values)
    return v[max(0, -(-len(v) * p // 100) - 1)] if v else float("nan")
lat = [s["latency_ms"] for s in samples if s["latency_ms"] is not None]
rtt = [s["rtt_ms"] for s in samples]
from_send = [s["latency_ms"] + s["rtt_ms"] for s in samples if s["latency_ms"] is not None]
sync_ms = [(split[s["gaid"]] - s["wall_commit"]) * 1000 for s in samples if s["gaid"] in split]
rest_ms = [(s["wall_event"] - split[s["gaid"]]) * 1000 for s in samples if s["gaid"] in split]
with open(os.path.join(WORK, "samples.tsv"), "w") as f:
    f.write("sample\tserial_id\tglobal_asset_id\tt_commit\trtt_ms\tlatency_ms\tlate_ms\tsync_ms\n")
    for s in samples:
        sy = (split[s["gaid"]] - s["wall_commit"]) * 1000 if s["gaid"] in split else ""
        f.write(f"{s['k'] + 1}\t{s['serial_id']}\t{s['gaid']}\t{s['t_commit']:.6f}\t{s['rtt_ms']:.3f}\t"
                f"{'' if s['latency_ms'] is None else s['latency_ms']}\t{s.get('late_ms', '')}\t{sy}\n")
R = {"replayed": replayed, "drain_s": round(drain_s, 2), "quiet_events": quiet_events, "count": len(lat),
     "lost": lost_count, "late": sorted(late), "never": never, "unexpected": unexpected, "keepalives": state["keepalives"],
     "distinct": len(once), "check": check, "p50": pct(lat, 50) if lat else None, "p99": pct(lat, 99) if lat else None,
     "max": max(lat) if lat else None, "all": " ".join(f"{v:.0f}" for v in sorted(lat)),
     "rows": ["%-36s %8s %8s %8s %8s %8s %8s" % ("ms", "min", "p50", "p90", "p99", "max", "mean")]}
for label, vals in (("ERP commit -> event (the latency)", lat), ("statement sent -> event", from_send),
                    ("  with the late events of lost ones", lat + [l for _, l in late] if late else []),
                    ("psql round trip (sent -> commit)", rtt),
                    (f"  ERP commit -> store write begun", sync_ms), (f"  store write begun -> event", rest_ms)):
    if vals:
        R["rows"].append("%-36s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f" % (
            label, min(vals), pct(vals, 50), pct(vals, 90), pct(vals, 99), max(vals), statistics.fmean(vals)))
if sync_ms:
    R["rows"].append(f"(the last two rows: the {len(sync_ms)} samples whose serial changed only once)")
json.dump(R, sys.stdout)
PY

LOAD_BEFORE=$(loadavg)
CA=$WORK/supplier/certs/ca.crt
export SAMPLES TIMEOUT_S INTERVAL_MS JITTER_MS SEED FEED_URL TOKEN CA WORK ASPECT_URN GOAL_MS
RESULT=$(python3 "$WORK/measure.py") || die "the measurement failed"
LOAD_AFTER=$(loadavg)
r() { jq -r ".$1" <<<"$RESULT"; }
f1() { printf '%.1f' "$(r "$1")"; }

# --- 7. report -----------------------------------------------------------------------------------
PG_VERSION=$(pg_version)
echo
echo "== change feed latency: ERP commit -> SSE event at the OEM, $SAMPLES changes, one at a time =="
machine_line "$LOAD_BEFORE" "$LOAD_AFTER"
echo "         PostgreSQL $PG_VERSION (fsync, full_page_writes, synchronous_commit off; else stock; ERP and store in one cluster)"
echo "         $(describe_cxgw)"
echo "store:   demo ERP at scale $SCALE loaded by serve's first sync in $(printf %.1f "$LOAD_S") s: $TWINS twins, $ASPECTS aspects"
echo "mapping: $MAPPING_NOTE; notify_channel $CHANNEL (deploy/demo/erp/notify.sql installed)"
echo "feed:    $FEED_URL, token of $ASSET as $OEM; history of $(r replayed) changes read as pages in $(f1 drain_s) s,"
echo "         then one SSE stream from its last cursor ($(r quiet_events) events in the first 2 s, expected 0)"
echo "change:  UPDATE erp.serials SET manufactured_at = manufactured_at - 1 day (the SerialPart's productionDate)"
echo "         of one of $(r distinct) serials whose twin $OEM sees; every ${INTERVAL_MS} ms + 0..${JITTER_MS} ms after the previous event"
echo "timing:  from the commit's acknowledgment to psql (t_commit) to the event's data line read from curl -N"
echo
r 'rows[]'
echo
echo "received $(r count) of $SAMPLES; lost (no event within ${TIMEOUT_S} s): $(r lost); unexpected events: $(r unexpected); keep-alive comments: $(r keepalives)"
if [[ $(r 'late | length') != 0 ]]; then
  echo "events of lost samples that came later (sample: ms after its commit): $(jq -r '[.late[] | "\(.[0] + 1): \(.[1] | floor)"] | join(", ")' <<<"$RESULT")"
fi
if [[ $(r 'never | length') != 0 ]]; then
  echo "lost samples whose event never came (60 s more after the last sample): $(jq -r '.never | map(tostring) | join(", ")' <<<"$RESULT")"
fi
echo "latencies sorted (ms): $(r all)"
echo "check: $(r check)"
n=$(r count)
echo "percentiles: nearest rank over the $n samples received (p50 = rank $(((n * 50 + 99) / 100)), p90 = rank $(((n * 90 + 99) / 100)), p99 = rank $(((n * 99 + 99) / 100)) in ascending order)"
echo
echo "Goal: every change reaches the stream, p99 < $GOAL_MS ms."
if (($(r count) > 0)); then
  p99_ok=$(awk -v p="$(r p99)" -v g="$GOAL_MS" 'BEGIN {print (p < g) ? "yes" : "no"}')
  figures="p50 $(printf %.1f "$(r p50)") ms, p99 $(printf %.1f "$(r p99)") ms, max $(printf %.1f "$(r max)") ms over $(r count) samples"
else
  p99_ok=no figures="no sample received"
fi
lost_ok=$([[ $(r lost) == 0 ]] && echo yes || echo no)
verdict=$([[ $p99_ok == yes && $lost_ok == yes ]] && echo met || echo "NOT met")
echo "verdict: $figures (goal p99 < $GOAL_MS ms): $p99_ok; lost $(r lost) of $SAMPLES (goal 0): $lost_ok; goal $verdict"
echo "reproduce: cd $REPO && $CMDLINE"
exit 0
