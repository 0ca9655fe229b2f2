#!/usr/bin/env bash
# Web Push throughput of the push layer: RFC 8291 encryptions per core-second,
# then notifications delivered per second to a local HTTP/2 + TLS push service,
# beside h2load posting bodies of the same size to the same service in the
# same run, as a ratio. Prints figures; asserts nothing.
# Usage: tests/bench/webpush_throughput.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_setup
count=${1:-100000}
start_standin "$bin" "$work"

# An encrypted message is 86 + 256 + 16 bytes: the header, the first padding bucket, the tag.
head -c 358 /dev/urandom >"$work/body"
echo "push service stand-in on 127.0.0.1:$port; $count requests per run; $(nproc) cores"
h2=$(h2load -n "$count" -c 1 -m 100 -t 1 -d "$work/body" \
      -H 'content-encoding: aes128gcm' -H 'content-type: application/octet-stream' -H 'ttl: 86400' \
      -H 'urgency: high' -H 'authorization: vapid t=eyJhbGciOiJFUzI1NiJ9.e30.c2ln, k=BPXM' \
      "https://localhost:$port/wpush/bench" 2>&1)
h2_rate=$(echo "$h2" | sed -n 's/.*finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
xp=$("$bin/webpush_bench" --port "$port" --ca "$work/ca.pem" --count "$count" --window 100)
echo "$xp"
xp_rate=$(echo "$xp" | sed -n 's/^deliver: .* rate=\([0-9]*\)\/s.*/\1/p')
echo "h2load: ${h2_rate} req/s on one connection"
awk -v a="$xp_rate" -v b="$h2_rate" 'BEGIN { printf "ratio xpush/h2load = %.2f\n", a / b }'
