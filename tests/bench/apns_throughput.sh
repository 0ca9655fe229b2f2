#!/usr/bin/env bash
# APNs throughput of the push layer against a local HTTP/2 + TLS APNs stand-in,
# beside h2load against the same stand-in in the same run, as a ratio.
# Prints figures; asserts nothing. Usage: tests/bench/apns_throughput.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_setup
count=${1:-200000}
start_standin "$bin" "$work"

# The payload xpush builds for a typical alert, for h2load to send as is.
printf '%s' '{"aps":{"alert":{"title":"New message","body":"Lunch at noon?"},"sound":"default","thread-id":"bob@example.org","mutable-content":1}}' >"$work/payload.json"

echo "APNs stand-in on 127.0.0.1:$port; $count requests per run; $(nproc) cores"
for c in 1 4; do
  window=$((100 * c))
  h2=$(h2load -n "$count" -c "$c" -m 100 -t 1 -d "$work/payload.json" \
        -H 'apns-topic: org.example.bench' -H 'apns-push-type: alert' -H 'apns-priority: 10' \
        -H 'authorization: bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' \
        "https://localhost:$port/3/device/$(printf 'a%.0s' $(seq 64))" 2>&1)
  h2_rate=$(echo "$h2" | sed -n 's/.*finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
  h2_ok=$(echo "$h2" | sed -n 's/.*status codes: \([0-9]*\) 2xx.*/\1/p')
  xp=$("$bin/apns_bench" --port "$port" --ca "$work/ca.pem" --key "$work/AuthKey.p8" \
        --connections "$c" --count "$count" --window "$window")
  xp_rate=$(echo "$xp" | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
  echo "connections=$c  h2load: ${h2_rate} req/s (${h2_ok} 2xx)"
  echo "connections=$c  $xp"
  awk -v a="$xp_rate" -v b="$h2_rate" -v c="$c" \
    'BEGIN { printf "connections=%s  ratio xpush/h2load = %.2f\n", c, a / b }'
done
