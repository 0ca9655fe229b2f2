#!/usr/bin/env bash
# End to end: tests/bench/e2e_driver plays the XMPP server (XEP-0114 listener,
# K APNs devices registered with p2 commands, N XEP-0357 publishes in Prosody,
# ejabberd and bare shapes, W in flight) -> release xpushd (provider direct)
# -> the C++ APNs stand-in; h2load against the same stand-in in the same run
# is the ceiling. Prints figures; asserts nothing.
#
#   tests/bench/e2e.sh [--count N] [--devices K] [--window W] [--rate R]
#                      [--backends "sqlite postgresql"] [--phases "throughput backlog kill"]
# Phases (each on a fresh store):
#   throughput  N publishes, per backend: rates, latencies, CPU (per thread,
#               user and system), RSS idle (registered, before publishing)
#               and peak; --rate R offers R publishes/s instead of as many
#               as are answered.
#   backlog     the stand-in stopped (SIGSTOP) while N publishes are
#               accepted, then resumed: RSS with the backlog queued, how long
#               it takes to drain, lost.
#   kill        kill -9 of xpushd at full speed once N/2 publishes were
#               answered, restart on the same store: every publish answered
#               `result` must reach the stand-in (lost, duplicates).
#   restart     SIGUSR2 (restart in place) at full speed once N/2 publishes
#               were answered: the driver's one connection must stay up;
#               refused, the longest publish->answer (the pause) and lost.
#   soak        N publishes at --rate R (e.g. 1000/s for 10 minutes:
#               --count 600000 --rate 1000): xpushd's RSS and open file
#               descriptors sampled every 10 s, then lost. Not in CI.
# backlog, kill, restart and soak run on the first backend.
# XPUSH_BENCH_WRAP prefixes xpushd's command line, e.g. to profile it:
#   XPUSH_BENCH_WRAP="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out" tests/bench/e2e.sh ...
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
count=100000 devices=1000 window=1000 rate=0 backends="sqlite postgresql" phases="throughput backlog kill restart"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --phases) phases=$2; shift 2 ;;
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
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
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
# "name user system" (clock ticks) for each thread of PID.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14, $15}' "$t/stat")"
  done 2>/dev/null
}
rss_mb() { awk -v k="$2" '$1 == k":" {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# Starts the PostgreSQL server once, in this shell (not in a $(...) subshell,
# which would leave pg_dir unset for the cleanup).
ensure_pg() {
  [ "$1" = postgresql ] && [ -z "$pg_dir" ] || return 0
  pg_dir=$work/pg
  /usr/bin/python3 -m tests.support.postgres start "$pg_dir" --durable >/dev/null
}
# CPU ticks of the PostgreSQL server: the postmaster and its processes.
pg_ticks() {
  [ -n "$pg_dir" ] || { echo 0; return; }
  local pm; pm=$(cut -d' ' -f1 "$pg_dir/pid")
  local total=0 p
  for p in $pm $(ps -o pid= --ppid "$pm"); do total=$(( total + $(cpu_ticks "$p" 2>/dev/null || echo 0) )); done
  echo "$total"
}

store_line() {
  case "$1" in
    sqlite) echo "store: { sqlite: { path: \"$work/xpush-$RANDOM$RANDOM.db\" }, instance: bench }" ;;
    postgresql) echo "store: { postgresql: { dsn: \"$(cat "$pg_dir/dsn")\" }, instance: bench }" ;;
  esac
}

secret=bench-secret-0123456789
# start_driver NAME ARGS...: the driver, listening; its stdin is fd 7.
start_driver() {
  local name=$1; shift
  rm -f "$work/driver.out"
  mkfifo "$work/driver.in.$name"
  "$bin/e2e_driver" --devices "$devices" --count "$count" --window "$window" --secret "$secret" \
    --sends "$work/sends" "$@" <"$work/driver.in.$name" >"$work/driver.out" &
  driver=$!
  pids+=("$driver")
  exec 7>"$work/driver.in.$name"
  wait_line "$work/driver.out" PORT
}

# write_config STORE_LINE [RETRY_LINE]
write_config() {
  cat >"$work/xpush.yaml" <<CONF
component: { domain: push.localhost, secret: "$secret", host: 127.0.0.1, port: $(awk '/PORT/ {print $2}' "$work/driver.out") }
xmpp: { server_domains: [localhost] }
$1
rules: { file: "$work/rules.yaml", watch_ms: 0 }
push:
  provider: direct
${2:-}
  apns:
    host: localhost
    port: $port
    ca_file: "$work/ca.pem"
    apps:
      - { name: bench, topic: org.example.bench, key_file: "$work/AuthKey.p8", key_id: ABC123DEFG, team_id: DEF123GHIJ }
log: { level: warn }
CONF
}

start_xpushd() {
  # shellcheck disable=SC2086
  ${XPUSH_BENCH_WRAP:-} "$xpushd" --config "$work/xpush.yaml" >>"$work/xpushd-$1.log" 2>&1 &
  xp=$!
  pids+=("$xp")
}

stop_driver() {
  exec 7>&-
  wait "$driver" 2>/dev/null || true
}

# wait_delivered N: waits (bounded, 60 s) until the stand-in answered N more
# than it had at the mark; prints how many it got.
wait_delivered() {
  local got=0
  for _ in $(seq 600); do
    got=$(( $(delivered) - mark ))
    [ "$got" -ge "$1" ] && break
    sleep 0.1
  done
  echo "$got"
}

run_throughput() {
  local backend=$1
  mark=$(delivered)
  start_driver "t-$backend" --rate "$rate" --hold
  ensure_pg "$backend"
  write_config "$(store_line "$backend")"
  start_xpushd "$backend"
  wait_line "$work/driver.out" REGISTERED 600
  sleep 1
  local idle_rss; idle_rss=$(rss_mb "$xp" VmRSS)
  thread_ticks "$xp" >"$work/threads0"
  local cpu0 cpu1 hz harness0 harness1 pg0 pg1; cpu0=$(cpu_ticks "$xp")
  harness0=$(( $(cpu_ticks "$driver") + $(cpu_ticks "$standin") ))
  pg0=$(pg_ticks)
  echo go >&7
  wait_line "$work/driver.out" answered_per_s 6000
  cpu1=$(cpu_ticks "$xp")
  harness1=$(( $(cpu_ticks "$driver") + $(cpu_ticks "$standin") ))
  pg1=$(pg_ticks)
  thread_ticks "$xp" >"$work/threads1"
  hz=$(getconf CLK_TCK)
  local line answered got
  line=$(grep answered_per_s "$work/driver.out")
  answered=$(echo "$line" | sed -n 's/.*answered_result=\([0-9]*\).*/\1/p')
  got=$(wait_delivered "$answered")
  kill -USR2 "$standin"
  sleep 0.3
  echo "[$backend] $line"
  echo "[$backend] delivered=$got lost=$(( answered > got ? answered - got : 0 )) \
cpu_us_per_publish=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" -v n="$count" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }') \
harness_cpu_us_per_publish=$(awk -v a="$harness0" -v b="$harness1" -v hz="$hz" -v n="$count" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }') \
$([ "$backend" = postgresql ] && echo "postgres_cpu_us_per_publish=$(awk -v a="$pg0" -v b="$pg1" -v hz="$hz" -v n="$count" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')") \
idle_rss_mb=$idle_rss peak_rss_mb=$(rss_mb "$xp" VmHWM) $(/usr/bin/python3 tests/bench/e2e_report.py "$work/sends" "$work/arrivals")"
  # Per thread, µs of CPU per publish, user+system.
  echo "[$backend] cpu_us_per_publish_by_thread: $(awk -v hz="$hz" -v n="$count" '
    NR == FNR { u0[$1] += $2; s0[$1] += $3; next }
    { u1[$1] += $2; s1[$1] += $3 }
    END { for (t in u1) printf "%s=%.1f(user %.1f, system %.1f) ", t, (u1[t] + s1[t] - u0[t] - s0[t]) * 1e6 / hz / n,
          (u1[t] - u0[t]) * 1e6 / hz / n, (s1[t] - s0[t]) * 1e6 / hz / n }' "$work/threads0" "$work/threads1")"
  echo "$line" >"$work/last-$backend"
  kill "$xp"; wait "$xp" 2>/dev/null || true
  stop_driver
}

run_backlog() {
  local backend=$1
  mark=$(delivered)
  start_driver "b-$backend" --hold
  ensure_pg "$backend"
  write_config "$(store_line "$backend")"
  start_xpushd "backlog"
  wait_line "$work/driver.out" REGISTERED 600
  kill -STOP "$standin"
  echo go >&7
  wait_line "$work/driver.out" answered_per_s 6000
  sleep 1
  local rss hwm answered t0 got
  rss=$(rss_mb "$xp" VmRSS); hwm=$(rss_mb "$xp" VmHWM)
  answered=$(sed -n 's/.*answered_result=\([0-9]*\).*/\1/p' "$work/driver.out")
  t0=$(date +%s.%N)
  kill -CONT "$standin"
  got=$(wait_delivered "$answered")
  echo "[$backend backlog] provider stopped: answered_result=$answered rss_mb_with_backlog=$rss peak_rss_mb=$hwm \
drained_in_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') delivered=$got \
lost=$(( answered > got ? answered - got : 0 ))"
  kill "$xp"; wait "$xp" 2>/dev/null || true
  stop_driver
}

# start_numbered NAME BACKEND DRIVER_ARGS...: driver and xpushd with numbered
# publishes, devices registered; sets start_ns (arrivals from here count).
start_numbered() {
  local name=$1 backend=$2; shift 2
  start_driver "$name-$backend" "$@" --hold --no-bare --answered "$work/answered"
  ensure_pg "$backend"
  write_config "$(store_line "$backend")"
  start_xpushd "$name"
  wait_line "$work/driver.out" REGISTERED 600
  kill -USR2 "$standin"; sleep 0.3
  start_ns=$(tail -n 1 "$work/arrivals" | awk '{ printf "%.0f", $2 + 1 }')
  start_ns=${start_ns:-0}
}

# lost_report: what was answered `result` and has not arrived since start_ns.
lost_report() {
  kill -USR2 "$standin"; sleep 0.3
  /usr/bin/python3 tests/bench/e2e_report.py --answered "$work/answered" --since "$start_ns" "$work/arrivals"
}

# wait_nothing_lost: polls (bounded, about a minute) until lost=0; prints the report.
wait_nothing_lost() {
  local report=""
  for _ in $(seq 120); do
    sleep 0.2
    report=$(lost_report)
    case "$report" in *" lost=0 "*) break ;; esac
  done
  echo "$report"
}

run_kill() {
  local backend=$1 after=$(( count / 2 ))
  # The default lease (a minute): restarted under the same store.instance,
  # xpushd takes back at once what it had claimed before the kill.
  start_numbered k "$backend"
  echo "kill $xp $after" >&7
  wait_line "$work/driver.out" KILLED 6000
  wait "$xp" 2>/dev/null || true
  local t0; t0=$(date +%s.%N)
  start_xpushd "kill"
  wait_nothing_lost >/dev/null
  local recovered; recovered=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  # What the killed instance sent but had not yet marked sent comes again
  # too: counted once the poll (every second) has had its turns.
  sleep 3
  echo "[$backend kill -9] $(sed -n 's/^KILLED //p' "$work/driver.out") $(lost_report) recovered_in_s=$recovered"
  kill "$xp"; wait "$xp" 2>/dev/null || true
  stop_driver
}

run_restart() {
  local backend=$1 after=$(( count / 2 ))
  start_numbered r "$backend" --rate "$rate"
  echo "restart $xp $after" >&7
  wait_line "$work/driver.out" answered_per_s 6000
  local report; report=$(wait_nothing_lost)
  echo "[$backend restart in place] same_pid=$([ -d "/proc/$xp" ] && echo yes || echo no) \
$(grep answered_per_s "$work/driver.out") $report"
  kill "$xp"; wait "$xp" 2>/dev/null || true
  stop_driver
}

run_soak() {
  local backend=$1
  mark=$(delivered)
  start_driver "s-$backend" --rate "$rate" --hold
  ensure_pg "$backend"
  write_config "$(store_line "$backend")"
  start_xpushd "soak"
  wait_line "$work/driver.out" REGISTERED 600
  echo go >&7
  local t0 samples=()
  t0=$(date +%s)
  echo "[$backend soak] seconds rss_mb fds delivered"
  while ! grep -q answered_per_s "$work/driver.out"; do
    local line; line="$(( $(date +%s) - t0 )) $(rss_mb "$xp" VmRSS) $(ls "/proc/$xp/fd" | wc -l) $(( $(delivered) - mark ))"
    samples+=("$line")
    echo "[$backend soak] $line"
    sleep 10
  done
  local answered got
  answered=$(sed -n 's/.*answered_result=\([0-9]*\).*/\1/p' "$work/driver.out")
  got=$(wait_delivered "$answered")
  echo "[$backend soak] $(grep answered_per_s "$work/driver.out") delivered=$got lost=$(( answered > got ? answered - got : 0 ))"
  # Flat means: the last minute's RSS and descriptors against the second minute's.
  printf '%s\n' "${samples[@]}" | awk -v b="$backend" '
    { t[NR] = $1; r[NR] = $2; f[NR] = $3 }
    END { a = (NR > 12 ? 7 : 1); printf "[%s soak] rss_mb %s -> %s, fds %s -> %s (from %d s to %d s)\n", b, r[a], r[NR], f[a], f[NR], t[a], t[NR] }'
  kill "$xp"; wait "$xp" 2>/dev/null || true
  stop_driver
}

printf '%s' '{"aps":{"alert":{"title":"bench","body":"seq:12345"},"sound":"default","mutable-content":1}}' >"$work/payload.json"
echo "e2e: $count publishes, $devices devices, window $window, rate ${rate:-0} (0: closed loop); $(nproc) cores"
first=${backends%% *}
for phase in $phases; do
  case "$phase" in
    throughput)
      ceiling=$(h2load_rate "$port" 200000 1 "$work/payload.json")
      echo "h2load ceiling: $ceiling req/s (1 connection, 100 streams)"
      for b in $backends; do
        run_throughput "$b"
        awk -v c="$ceiling" -v b="$b" '{ for (i = 1; i <= NF; i++) if ($i ~ /^answered_per_s=/) { split($i, kv, "="); printf "[%s] ratio to h2load = %.3f\n", b, kv[2] / c } }' "$work/last-$b"
      done ;;
    backlog) run_backlog "$first" ;;
    kill) run_kill "$first" ;;
    restart) run_restart "$first" ;;
    soak) run_soak "$first" ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
done
