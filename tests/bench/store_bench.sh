#!/usr/bin/env bash
# The offline message store at scale on both backends: SQLite in a fresh file
# and PostgreSQL started on loopback for the run. Prints figures; asserts
# nothing. Usage: tests/bench/store_bench.sh [MESSAGES] [USERS]
# (default 10,000,000 messages over 100,000 users, spread over 90 days).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps >/dev/null
scripts/build release >/dev/null
messages=${1:-10000000}
users=${2:-100000}
bin=build/release/tests/bench/store_bench
work=$(mktemp -d /tmp/xpush-store-bench.XXXXXX)
cleanup() {
  /usr/bin/python3 -m tests.support.postgres stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== SQLite"
"$bin" --sqlite "$work/bench.db" --messages "$messages" --users "$users"
echo "== PostgreSQL"
dsn=$(/usr/bin/python3 -m tests.support.postgres start "$work/pg")
"$bin" --postgresql "$dsn" --messages "$messages" --users "$users"
