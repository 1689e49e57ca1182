#!/usr/bin/env bash
# External clients against a real server: schemathesis fuzzes the API from its own OpenAPI
# document. Usage: run.sh PATH/TO/territoires
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${TERRITOIRES_CLIENTS_VENV:-$HOME/.cache/territoires-clients-venv}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
fi
DATA="$(mktemp -d)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" --demo >/dev/null &
PID=$!
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# An API token of the demo administrator, made through the pages as a person would.
JAR="$DATA/cookies"
curl -fs -c "$JAR" -b "$JAR" "$BASE/login" >/dev/null
CSRF=$(awk '$6 == "csrf" {print $7}' "$JAR")
curl -fs -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "email=admin@demo.territoires.fr" \
  --data-urlencode "password=Territoires-Demo-2026" --data-urlencode "_csrf=$CSRF" "$BASE/login"
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" --data-urlencode "token_name=schemathesis" --data-urlencode "_csrf=$CSRF" \
  "$BASE/account/tokens" | sed -n 's/.*<code class="token">\([^<]*\)<.*/\1/p')
[ -n "$TOKEN" ] || { echo "no API token"; exit 1; }

cd "$DATA"
timeout 900 "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
  --url "$BASE" \
  --checks all --exclude-checks positive_data_acceptance \
  -H "Authorization: Bearer $TOKEN" \
  --max-examples 40 --workers 2 --seed 1 --no-color \
  --phases examples,coverage,fuzzing --generation-database none
