#!/usr/bin/env bash
# Foundation benchmarks over HTTP, on loopback only, against a release build:
# start-up to ready with the referential imported, memory at rest, and wrk on the home page and a
# space page. Usage: bench/http.sh [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/territoires-target}"
cargo build --release -p territoires -q
BIN="$CARGO_TARGET_DIR/release/territoires"
DATA="$(mktemp -d)"
PORT=18089
BASE="http://127.0.0.1:$PORT"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

# Prepare the data once: referential and demo content (not timed).
env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" --data-dir "$DATA" demo --scale 30 >/dev/null

echo "# start-up to ready (referential of $(sqlite3 "$DATA/territoires.db" 'select count(*) from territories' 2>/dev/null || echo 36359) territories in the database), 5 runs"
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
  PID=$!
  until curl -fs "$BASE/readyz" >/dev/null 2>&1; do sleep 0.005; done
  end=$(date +%s%N)
  echo "run $i: $(( (end - start) / 1000000 )) ms"
  if [ "$i" -lt 5 ]; then kill $PID; wait $PID 2>/dev/null || true; fi
done

sleep 2
echo "# memory at rest: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$PID/status)"

for path in / /s/lannion; do
  echo "# wrk -t2 -c32 -d${DURATION}s --latency $BASE$path"
  wrk -t2 -c32 -d"${DURATION}s" --latency "$BASE$path" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors"
done
echo "# memory after load: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$PID/status)"
