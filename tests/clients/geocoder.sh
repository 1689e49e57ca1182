#!/usr/bin/env bash
# A real addok (the engine of the Base Adresse Nationale's API) on the machine's Redis, loaded
# with the demo towns' addresses (addresses.ndjson), and the browser test of address search and
# reverse geocoding against it (tests/browser/geocoder.test.mjs). Installs addok in a venv of
# its own, idempotently. Usage: geocoder.sh PATH/TO/territoires
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${TERRITOIRES_ADDOK_VENV:-$HOME/.cache/territoires-addok-venv}"
REQS="addok==1.3.2 addok-fr==1.1.0 addok-france==1.2.0"
if [ "$(cat "$VENV/requirements.txt" 2>/dev/null)" != "$REQS" ]; then
  python3 -m venv "$VENV"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install -q $REQS
  echo "$REQS" > "$VENV/requirements.txt"
fi
# Redis keeps nothing on disk here: it is started when it does not answer.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
WORK="$(mktemp -d)"
ADDOK_PID=""
cleanup() { [ -n "$ADDOK_PID" ] && { kill "$ADDOK_PID" 2>/dev/null || true; wait "$ADDOK_PID" 2>/dev/null || true; }; rm -rf "$WORK"; }
trap cleanup EXIT
# Databases 11 and 12 of the Redis server are this suite's.
cat > "$WORK/addok.conf" <<'CONF'
REDIS = {'host': '127.0.0.1', 'port': 6379, 'indexes': {'db': 11}, 'documents': {'db': 12}}
QUERY_PROCESSORS_PYPATHS = ["addok.helpers.text.check_query_length", "addok_france.extract_address", "addok_france.clean_query", "addok_france.remove_leading_zeros"]
SEARCH_RESULT_PROCESSORS_PYPATHS = ["addok.helpers.results.match_housenumber", "addok_france.make_labels", "addok.helpers.results.score_by_importance", "addok.helpers.results.score_by_autocomplete_distance", "addok.helpers.results.score_by_str_distance", "addok.helpers.results.score_by_geo_distance", "addok.helpers.results.adjust_scores"]
PROCESSORS_PYPATHS = ["addok.helpers.text.tokenize", "addok.helpers.text.normalize", "addok_france.glue_ordinal", "addok_france.fold_ordinal", "addok_france.flag_housenumber", "addok.helpers.text.synonymize", "addok_fr.phonemicize"]
FIELDS = [{'key': 'name', 'boost': 4, 'null': False}, {'key': 'street'}, {'key': 'postcode', 'boost': lambda doc: 1.2 if doc.get('type') == 'municipality' else 1}, {'key': 'city'}, {'key': 'housenumbers'}, {'key': 'context'}]
CONF
ADDOK="$VENV/bin/addok --config $WORK/addok.conf"
$ADDOK reset --force >/dev/null 2>&1
$ADDOK batch "$HERE/addresses.ndjson" >/dev/null 2>&1
$ADDOK ngrams >/dev/null 2>&1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$ADDOK serve --host 127.0.0.1 --port "$PORT" >"$WORK/addok.log" 2>&1 &
ADDOK_PID=$!
GEOCODER="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$GEOCODER/search/?q=lannion&limit=1" >/dev/null 2>&1 && break; sleep 0.2; done
# The index answers as the national service does, before the browser asks through the platform.
curl -fs "$GEOCODER/search/?q=23+rue+de+la+republique+lannion&limit=1" | grep -q '"label": *"23 Rue de la R' \
  || { echo "addok does not find 23 rue de la République in Lannion"; cat "$WORK/addok.log"; exit 1; }
echo "addok serves the demo towns' addresses at $GEOCODER"
[ -d "$ROOT/tests/browser/node_modules" ] || (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --silent)
(cd "$ROOT/tests/browser" && TERRITOIRES_BIN="$BIN" TERRITOIRES_TEST_GEOCODER_URL="$GEOCODER" \
  node --test --test-concurrency=1 geocoder.test.mjs)
