#!/usr/bin/env bash
# End to end: tests/bench/e2e_driver plays the XMPP server (XEP-0114 listener,
# K APNs devices registered with p2 commands, N XEP-0357 publishes in Prosody,
# ejabberd and bare shapes, W in flight) -> release xpushd (provider direct)
# -> the C++ APNs stand-in; h2load against the same stand-in in the same run
# is the ceiling. Prints figures; asserts nothing.
#
#   tests/bench/e2e.sh [--count N] [--devices K] [--window W] [--rate R]
#                      [--backends "sqlite postgresql"]
# --rate R offers R publishes/s instead of as many as are answered.
# XPUSH_BENCH_WRAP prefixes xpushd's command line, e.g. to profile it:
#   XPUSH_BENCH_WRAP="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out" tests/bench/e2e.sh ...
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
count=100000 devices=1000 window=1000 rate=0 backends="sqlite postgresql"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
scripts/install-deps >/dev/null
scripts/build release >/dev/null
bin=build/release/tests/bench
xpushd=$PWD/build/release/bin/xpushd
work=$(mktemp -d)
chmod 755 "$work"
pids=()
pg_dir=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$pg_dir" ] && /usr/bin/python3 -m tests.support.postgres stop "$pg_dir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

make_certs "$work"
"$bin/apns_standin_server" --cert "$work/server.pem" --record "$work/arrivals" >"$work/standin" &
standin=$!
pids+=("$standin")
wait_line "$work/standin" PORT
port=$(awk '{print $2}' "$work/standin")
cat >"$work/rules.yaml" <<'RULES'
rules:
  - name: bench
    match: { source: summary, body: { empty: false } }
    action: alert
    alert: { title: "bench", body: "{{body}}" }
RULES

delivered() {
  kill -USR1 "$standin"
  sleep 0.05
  awk '{print $2}' "$work/arrivals.count" 2>/dev/null || echo 0
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_backend() {
  local backend=$1 store
  case "$backend" in
    sqlite) store="store: { sqlite: { path: \"$work/xpush-$RANDOM.db\" } }" ;;
    postgresql)
      pg_dir=$work/pg
      /usr/bin/python3 -m tests.support.postgres start "$pg_dir" >/dev/null
      store="store: { postgresql: { dsn: \"$(cat "$pg_dir/dsn")\" } }" ;;
  esac
  local secret=bench-secret-0123456789 before_delivered
  before_delivered=$(delivered)
  rm -f "$work/driver.out"
  mkfifo "$work/driver.in.$backend"
  "$bin/e2e_driver" --devices "$devices" --count "$count" --window "$window" --rate "$rate" \
    --secret "$secret" --sends "$work/sends" <"$work/driver.in.$backend" >"$work/driver.out" &
  local driver=$!
  pids+=("$driver")
  exec 7>"$work/driver.in.$backend"
  wait_line "$work/driver.out" PORT
  cat >"$work/xpush.yaml" <<CONF
component: { domain: push.localhost, secret: "$secret", host: 127.0.0.1, port: $(awk '/PORT/ {print $2}' "$work/driver.out") }
xmpp: { server_domains: [localhost] }
$store
rules: { file: "$work/rules.yaml", watch_ms: 0 }
push:
  provider: direct
  apns:
    host: localhost
    port: $port
    ca_file: "$work/ca.pem"
    apps:
      - { name: bench, topic: org.example.bench, key_file: "$work/AuthKey.p8", key_id: ABC123DEFG, team_id: DEF123GHIJ }
log: { level: warn }
CONF
  # shellcheck disable=SC2086
  ${XPUSH_BENCH_WRAP:-} "$xpushd" --config "$work/xpush.yaml" >"$work/xpushd-$backend.log" 2>&1 &
  local xp=$!
  pids+=("$xp")
  wait_line "$work/driver.out" REGISTERED 600
  local cpu0 cpu1 hz
  cpu0=$(cpu_ticks "$xp")
  wait_line "$work/driver.out" answered_per_s 6000
  cpu1=$(cpu_ticks "$xp")
  hz=$(getconf CLK_TCK)
  local line answered
  line=$(grep answered_per_s "$work/driver.out")
  answered=$(echo "$line" | sed -n 's/.*answered_result=\([0-9]*\).*/\1/p')
  # Wait (bounded) until the stand-in has every answered publish.
  local got=0
  for _ in $(seq 600); do
    got=$(( $(delivered) - before_delivered ))
    [ "$got" -ge "$answered" ] && break
    sleep 0.1
  done
  kill -USR2 "$standin"
  sleep 0.3
  local rss
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$xp/status")
  echo "[$backend] $line"
  echo "[$backend] delivered=$got lost=$(( answered > got ? answered - got : 0 )) \
cpu_us_per_publish=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" -v n="$count" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }') \
peak_rss_mb=$(( rss / 1024 )) $(/usr/bin/python3 tests/bench/e2e_report.py "$work/sends" "$work/arrivals")"
  echo "$line" >"$work/last-$backend"
  kill "$xp"; wait "$xp" 2>/dev/null || true
  exec 7>&-
  wait "$driver" 2>/dev/null || true
  if [ "$backend" = postgresql ]; then /usr/bin/python3 -m tests.support.postgres stop "$pg_dir" >/dev/null; pg_dir=""; fi
}

printf '%s' '{"aps":{"alert":{"title":"bench","body":"seq:12345"},"sound":"default","mutable-content":1}}' >"$work/payload.json"
echo "e2e: $count publishes, $devices devices, window $window, rate ${rate:-0} (0: closed loop); $(nproc) cores"
ceiling=$(h2load_rate "$port" 200000 1 "$work/payload.json")
echo "h2load ceiling: $ceiling req/s (1 connection, 100 streams)"
for b in $backends; do
  run_backend "$b"
  awk -v c="$ceiling" -v b="$b" '{ for (i = 1; i <= NF; i++) if ($i ~ /^answered_per_s=/) { split($i, kv, "="); printf "[%s] ratio to h2load = %.3f\n", b, kv[2] / c } }' "$work/last-$b"
done
