# Shared by the benchmark scripts (sourced, not run).

# make_certs DIR: a CA, a certificate for localhost (DIR/server.pem with its
# key), and an ES256 APNs provider key (DIR/AuthKey.p8).
make_certs() {
  local work=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
    -out "$work/ca.pem" -days 1 -subj "/CN=bench CA" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" \
    -out "$work/server.csr" -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\n' >"$work/san.ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -out "$work/server.crt" -days 1 -extfile "$work/san.ext" 2>/dev/null
  cat "$work/server.crt" "$work/server.key" >"$work/server.pem"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/AuthKey.p8" 2>/dev/null
}

# wait_line FILE PATTERN [TENTHS]: waits (bounded) until FILE has a line matching PATTERN.
wait_line() {
  local tries=${3:-100}
  for _ in $(seq "$tries"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1" >&2
  return 1
}

# h2load_rate PORT COUNT CONNECTIONS PAYLOAD: requests/s h2load gets from the APNs stand-in.
h2load_rate() {
  h2load -n "$2" -c "$3" -m 100 -t 1 -d "$4" \
    -H 'apns-topic: org.example.bench' -H 'apns-push-type: alert' -H 'apns-priority: 10' \
    -H 'authorization: bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' \
    "https://localhost:$1/3/device/$(printf 'a%.0s' $(seq 64))" 2>&1 |
    sed -n 's/.*finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p'
}

# start_standin BIN WORK: builds certificates in WORK, starts the HTTP/2 stand-in
# (answering every POST with 200) and sets server_pid and port; the caller's
# cleanup stops it.
start_standin() {
  make_certs "$2"
  "$1/apns_standin_server" --cert "$2/server.pem" >"$2/port" &
  server_pid=$!
  for _ in $(seq 50); do [ -s "$2/port" ] && break; sleep 0.1; done
  port=$(awk '{print $2}' "$2/port")
}

# bench_setup: what the throughput scripts need first: the release build, a
# scratch folder (work) removed at exit with the stand-in (server_pid) stopped.
bench_setup() {
  scripts/install-deps >/dev/null
  scripts/build release >/dev/null
  bin=build/release/tests/bench
  work=$(mktemp -d)
  server_pid=""
  trap bench_cleanup EXIT
}

bench_cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
