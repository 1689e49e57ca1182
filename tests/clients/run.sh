#!/usr/bin/env bash
# External clients against a real server: schemathesis fuzzes the API from its own OpenAPI
# document; georeport reads the Open311 API; aiosmtpd receives mail, from one node and from two
# nodes on PostgreSQL when TERRITOIRES_TEST_DATABASE_URL is set; pabutools checks the
# participatory-budget rules; a real addok answers the maps' address search. Usage: run.sh PATH/TO/territoires
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
VENV="${TERRITOIRES_CLIENTS_VENV:-$HOME/.cache/territoires-clients-venv}"
if ! cmp -s "$HERE/requirements.txt" "$VENV/requirements.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/requirements.txt"
fi
DATA="$(mktemp -d)"
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$DATA"; }
trap cleanup EXIT
env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" --demo >/dev/null &
PIDS+=($!)
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# An API token of the demo administrator, made through the pages as a person would.
JAR="$DATA/cookies"
# The demo administrator's key, as the README prints it.
login "$JAR" "$BASE" "admin@demo.territoires.fr" "Territoires-Demo-2026" "JBSWY3DPEHPK3PXPTERRITOIRESDEMO2"
CSRF=$(awk '$6 == "csrf" {print $7}' "$JAR")
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" --data-urlencode "token_name=schemathesis" --data-urlencode "_csrf=$CSRF" \
  "$BASE/account/tokens" | sed -n 's/.*<code class="token">\([^<]*\)<.*/\1/p')
[ -n "$TOKEN" ] || { echo "no API token"; exit 1; }

echo "-- schemathesis on /api/openapi.json"
cd "$DATA"
timeout 900 "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
  --url "$BASE" \
  --checks all --exclude-checks positive_data_acceptance \
  -H "Authorization: Bearer $TOKEN" \
  --max-examples 40 --workers 1 --seed 1 --no-color \
  --phases examples,coverage,fuzzing --generation-database none

echo "-- mail through a real SMTP server (aiosmtpd), across an outage"
TERRITOIRES_SMTP_VENV="$VENV" bash "$HERE/smtp.sh" "$BIN"

echo "-- mail from two nodes on PostgreSQL through one SMTP server, across a node killed during a try"
TERRITOIRES_SMTP_VENV="$VENV" bash "$HERE/smtp_nodes.sh" "$BIN"

echo "-- Open311 GeoReport v2 with a real client (georeport)"
"$VENV/bin/python" "$HERE/open311_client.py" "$BASE" "demo-montauban-open311-2026"

echo "-- the reports' open data read by GDAL"
GEO_INFO=$(ogrinfo -ro -so -al "$BASE/data/reports/montauban.geojson" 2>&1)
grep -q "Geometry: Point" <<< "$GEO_INFO" || { echo "$GEO_INFO"; exit 1; }
echo "$GEO_INFO" | grep -Eq "Feature Count: (6[0-9]|[7-9][0-9])" || { echo "$GEO_INFO"; exit 1; }
curl -fs "$BASE/data/reports/montauban.csv" -o "$DATA/montauban.csv"
CSV_INFO=$(ogrinfo -ro -so -al -oo X_POSSIBLE_NAMES=long -oo Y_POSSIBLE_NAMES=lat -oo AUTODETECT_TYPE=YES "$DATA/montauban.csv" 2>&1)
grep -q "Geometry: Point" <<< "$CSV_INFO" && grep -q "lat: Real" <<< "$CSV_INFO" || { echo "$CSV_INFO"; exit 1; }
! grep -E "^(ERROR|Warning)" <<< "$GEO_INFO$CSV_INFO" || exit 1
echo "GDAL reads the GeoJSON and the CSV of the Montauban reports: $(echo "$GEO_INFO" | grep "Feature Count")"

echo "-- the directory's and a process's open data read by GDAL"
# Every feature and every column of the Table Schema, as GDAL reads them.
gdal_check() { # NAME STEM (a path without its extension)
  local name="$1" stem="$2" expected geo csv field
  expected=$(curl -fs "$BASE$stem.json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [ "$expected" -gt 0 ] || { echo "$name: no data"; exit 1; }
  geo=$(ogrinfo -ro -so -al "$BASE$stem.geojson" 2>&1)
  grep -q "Feature Count: $expected\$" <<< "$geo" || { echo "$name: $geo"; exit 1; }
  curl -fs "$BASE$stem.csv" -o "$DATA/$name.csv"
  csv=$(ogrinfo -ro -so -al -oo X_POSSIBLE_NAMES=long -oo Y_POSSIBLE_NAMES=lat -oo AUTODETECT_TYPE=YES "$DATA/$name.csv" 2>&1)
  grep -q "Feature Count: $expected\$" <<< "$csv" || { echo "$name: $csv"; exit 1; }
  for field in $(curl -fs "$BASE$stem.schema.json" | python3 -c 'import json,sys; print(" ".join(f["name"] for f in json.load(sys.stdin)["fields"]))'); do
    grep -q "^$field: " <<< "$csv" || { echo "$name: no column $field in $csv"; exit 1; }
  done
  ! grep -E "^(ERROR|Warning)" <<< "$geo$csv" || exit 1
  echo "GDAL reads the GeoJSON and the CSV of $name: $expected features, every column of its schema"
}
gdal_check actors /data/actors
gdal_check offers /data/offers
gdal_check lannion-2030 /data/processes/lannion/lannion-2030/contributions
gdal_check network-members /data/network/members

echo "-- participatory-budget rules against pabutools (1,000 random instances)"
"$VENV/bin/python" "$HERE/pb_differential.py" "$BIN" 1000 "${TERRITOIRES_PB_SEED:-2026}"

echo "-- address search and reverse geocoding against a real addok, in Chromium"
bash "$HERE/geocoder.sh" "$BIN"
