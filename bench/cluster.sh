#!/usr/bin/env bash
# Several nodes on one PostgreSQL database behind a balancer, on loopback only, against a release
# build: two `territoires serve --behind-proxy` nodes on a fresh database seeded with the demo,
# nginx in round robin before them, then
#   - propagation: a report filed on node 1, found by node 2's search (50 tries);
#   - readiness under writes: /readyz of both nodes every 50 ms while ~200 reports/s go through
#     the balancer for 20 s;
#   - SIGKILL: reports with idempotency keys through the balancer for 20 s, node 1 killed midway
#     and started again, clients retrying with the same key; acknowledged / present / duplicates
#     / lost;
#   - throughput through the balancer: wrk on the directory page and a space page, then the same
#     pages on node 1 alone.
# Usage: bench/cluster.sh [WRK_SECONDS]. PostgreSQL: TERRITOIRES_BENCH_POSTGRES (default
# postgres://postgres@127.0.0.1:5432, trust). TERRITOIRES_BIN names an already built binary.
# Everything it starts is stopped on exit; the whole run takes about four minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
WRK_SECONDS="${1:-15}"
SERVER="${TERRITOIRES_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/territoires-target}"

missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v psql >/dev/null || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y "${missing[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

if [ -z "${TERRITOIRES_BIN:-}" ]; then
  cargo build --release -p territoires -q
fi
BIN="${TERRITOIRES_BIN:-$CARGO_TARGET_DIR/release/territoires}"

WORK="$(mktemp -d)"
DB="territoires_cluster_$$"
URL="$SERVER/$DB"
PORTS=(18091 18092)
LB_PORT=18090
NODE1="http://127.0.0.1:${PORTS[0]}"
NODE2="http://127.0.0.1:${PORTS[1]}"
LB="http://127.0.0.1:$LB_PORT"
PIDS=("" "")
NGINX_PID=""

cleanup() {
  for pid in "${PIDS[@]}" $NGINX_PID; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}" $NGINX_PID; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  psql "$SERVER/postgres" -q -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql "$SERVER/postgres" -q -c "CREATE DATABASE $DB" >/dev/null
echo "# database $DB: demo content (not timed)"
env -u DATABASE_URL TERRITOIRES_LOG=warn timeout 300 "$BIN" --data-dir "$WORK/seed" --database-url "$URL" demo --scale 30 >/dev/null

start_node() {
  local i=$1
  mkdir -p "$WORK/node$i"
  env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" --data-dir "$WORK/node$i" --database-url "$URL" \
    serve --listen "127.0.0.1:${PORTS[$i]}" --behind-proxy >>"$WORK/node$i.log" 2>&1 &
  PIDS[$i]=$!
}

# Seconds until /readyz of port $1 answers 200, at most 60.
wait_ready() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq 6000); do
    if curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1; then
      end=$(date +%s%N)
      echo "$(( (end - start) / 1000000 )) ms"
      return 0
    fi
    sleep 0.01
  done
  echo "port $1 not ready after 60 s" >&2
  return 1
}

start_node 0
start_node 1
echo "# node 1 ready in $(wait_ready "${PORTS[0]}"), node 2 ready in $(wait_ready "${PORTS[1]}")"

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream nodes {
    server 127.0.0.1:${PORTS[0]};
    server 127.0.0.1:${PORTS[1]};
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://nodes;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
EOF
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 500); do curl -fs "$LB/healthz" >/dev/null 2>&1 && break; sleep 0.01; done
echo "# nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') on $LB, round robin to $NODE1 and $NODE2"

echo "# propagation: a report filed on node 1, polled for in node 2's search every 5 ms"
timeout 120 python3 bench/cluster.py propagation "$NODE1" "$NODE2" 50

echo "# readiness under writes: /readyz every 50 ms on both nodes, ~200 reports/s through nginx, 20 s"
timeout 60 python3 bench/cluster.py readiness "$NODE1" "$NODE2" "$LB" 20 200

echo "# SIGKILL: 16 clients with idempotency keys through nginx for 20 s, node 1 killed at 8 s and started again"
RUN="k$$"
SIZE_BEFORE=$(psql "$URL" -Atc "SELECT pg_database_size(current_database())")
timeout 90 python3 bench/cluster.py writes "$LB" 20 16 "$RUN" "$WORK/acknowledged.json" &
WRITES=$!
sleep 8
kill -KILL "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null || true
echo "node 1 killed (SIGKILL)"
start_node 0
echo "node 1 started again, ready in $(wait_ready "${PORTS[0]}")"
wait $WRITES
python3 bench/cluster.py check "$URL" "$RUN" "$WORK/acknowledged.json"
psql "$URL" -At -F ' ' -c "SELECT count(*), pg_database_size(current_database()) - $SIZE_BEFORE FROM reports WHERE description LIKE 'Essai cluster $RUN-%'" |
  awk '{ printf "database growth over these writes: %.1f MB, %.0f bytes a report (rows, indexes, change feed, idempotency keys)\n", $2 / 1048576, $2 / $1 }'

# The same pages on node 1 alone, without nginx, say what the balancer costs on this machine.
for url in "$LB/directory" "$LB/s/lannion" "$NODE1/directory" "$NODE1/s/lannion"; do
  echo "# wrk -t2 -c16 -d${WRK_SECONDS}s --latency $url (load average $(cut -d' ' -f1 /proc/loadavg))"
  wrk -t2 -c16 -d"${WRK_SECONDS}s" --latency "$url" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
done
for i in 0 1; do
  echo "# node $((i + 1)) RSS after the run: $(awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/${PIDS[$i]}/status")"
done
