#!/usr/bin/env bash
# Mail from two nodes on one PostgreSQL database, through one real SMTP server (aiosmtpd,
# smtp_sink.py), by way of the mail queue they share:
#   - ten people register through each node at once: each confirmation mail arrives exactly
#     once, with the link of the node it was queued through; the outbox read on node 2 shows
#     the mails queued through node 1 as sent, and a link of node 1's mail confirms the address
#     on node 2;
#   - a node killed in the middle of a try: node 2 paused (SIGSTOP), the SMTP server replaced
#     by one that takes connections and never answers, five more people register through
#     node 1, whose sender takes their first mail under a lease and waits on the server; node 1
#     is killed (SIGKILL), the SMTP server comes back and node 2 resumes (SIGCONT). Node 2 sends
#     the mails nobody held at once and the one node 1 held once its lease has run out (a
#     minute), each exactly once, and its outbox shows every mail sent.
# Runs only when TERRITOIRES_TEST_DATABASE_URL names a PostgreSQL server, where it makes a
# database of its own and drops it on exit (with psql). About a minute and a half.
# Usage: smtp_nodes.sh PATH/TO/territoires
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${TERRITOIRES_TEST_DATABASE_URL:-}" ]; then
  echo "mail from two nodes on PostgreSQL: skipped (TERRITOIRES_TEST_DATABASE_URL is not set)"
  exit 0
fi
command -v psql >/dev/null || { echo "mail from two nodes on PostgreSQL needs psql (postgresql-client)"; exit 1; }
# shellcheck source=tests/clients/lib.sh
source "$HERE/lib.sh"
VENV="${TERRITOIRES_SMTP_VENV:-$HOME/.cache/territoires-smtp-venv}"
smtp_venv "$VENV"
STARTED=$(date +%s)

SERVER="$TERRITOIRES_TEST_DATABASE_URL"
DB="territoires_smtp_nodes_$$_$RANDOM"
URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$SERVER" "$DB")
WORK="$(mktemp -d)"
NODE_PIDS=("" "" "")
SINK_PID=""
MUTE_PID=""
PAUSED=""
cleanup() {
  local status=$?
  [ -z "$PAUSED" ] || kill -CONT "$PAUSED" 2>/dev/null || true
  for p in "${NODE_PIDS[@]}" $SINK_PID $MUTE_PID; do [ -z "$p" ] || kill "$p" 2>/dev/null || true; done
  for p in "${NODE_PIDS[@]}" $SINK_PID $MUTE_PID; do [ -z "$p" ] || wait "$p" 2>/dev/null || true; done
  if [ "$status" != 0 ]; then
    for i in 1 2; do [ ! -s "$WORK/node$i.log" ] || { echo "-- node $i's log"; tail -n 30 "$WORK/node$i.log"; }; done
  fi
  psql "$SERVER" -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql "$SERVER" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB" >/dev/null
sql() { psql "$URL" -qXAt -v ON_ERROR_STOP=1 -c "$1"; }

SMTP_PORT=$(free_port)
MAILS="$WORK/mails.jsonl"
BASES=("" "http://127.0.0.1:$(free_port)" "http://127.0.0.1:$(free_port)")
# Registrations are limited per client address, across the nodes: these all come from the
# loopback.
printf '[limits]\nregistrations_per_hour = 100\n' >"$WORK/territoires.toml"
start_sink() {
  : >"$WORK/sink.out"
  "$VENV/bin/python" "$HERE/smtp_sink.py" "$SMTP_PORT" "$MAILS" >"$WORK/sink.out" &
  SINK_PID=$!
  for _ in $(seq 1 100); do [ -s "$WORK/sink.out" ] && return 0; sleep 0.1; done
  echo "the SMTP server did not start"
  return 1
}
start_node() { # 1 or 2
  mkdir -p "$WORK/node$1"
  env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" --config "$WORK/territoires.toml" --data-dir "$WORK/node$1" \
    --database-url "$URL" serve --listen "${BASES[$1]#http://}" --smtp-url "smtp://127.0.0.1:$SMTP_PORT" \
    --mail-from "Territoires <ne-pas-repondre@territoires.test>" >>"$WORK/node$1.log" 2>&1 &
  NODE_PIDS[$1]=$!
}
received() { if [ -f "$MAILS" ]; then wc -l <"$MAILS"; else echo 0; fi; }
wait_received() { # COUNT SECONDS: waits for the SMTP server to have received COUNT mails in all
  for _ in $(seq 1 $(($2 * 5))); do [ "$(received)" -ge "$1" ] && return 0; sleep 0.2; done
  echo "the SMTP server received $(received) mails, not $1, within $2 s"
  return 1
}
# Every mail the SMTP server received, against the expected ones (RECIPIENT=BASE, the node it
# was queued through): each arrived exactly once, with that node's confirmation link, and no
# other.
sink_holds() { # RECIPIENT=BASE...
  "$VENV/bin/python" - "$MAILS" "$@" <<'PY'
import collections, json, sys
mails = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
expected = dict(a.split("=", 1) for a in sys.argv[2:])
counts = collections.Counter(to for m in mails for to in m["to"])
twice = {to: n for to, n in counts.items() if n > 1}
assert not twice, f"mails received more than once: {twice}"
assert set(counts) == set(expected), f"missing {set(expected) - set(counts)}, unexpected {set(counts) - set(expected)}"
for m in mails:
    assert m["from"] == "ne-pas-repondre@territoires.test", m
    assert "Confirmez" in m["subject"], m
    base = expected[m["to"][0]]
    assert any(w.startswith(base + "/confirm/") for w in m["body"].split()), (base, m["body"])
PY
}
# The outbox read on BASE (with the administrator's session) shows every RECIPIENT's mail sent.
outbox_sent() { # BASE RECIPIENT...
  local base="$1"
  shift
  for _ in $(seq 1 25); do
    curl -fs -m 30 -b "$WORK/admin" -o "$WORK/outbox.html" "$base/admin/outbox"
    python3 - "$WORK/outbox.html" "$@" <<'PY' && return 0
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
states = {}
for row in page.split("<tr>")[1:]:
    state = re.search(r'class="badge mail-(\w+)"', row)
    to = re.search(r'>([\w.+-]+@[\w.-]+)</td>', row)
    if state and to:
        states[to.group(1)] = state.group(1)
not_sent = {to: states.get(to) for to in sys.argv[2:] if states.get(to) != "sent"}
sys.exit(1 if not_sent else 0)
PY
    sleep 0.2
  done
  echo "the outbox of $base does not show every mail sent:"
  sed -n '/<table/,/<\/table>/p' "$WORK/outbox.html"
  return 1
}

# The database's tables and an administrator, before the nodes start; then both nodes, with the
# SMTP server up.
env -u DATABASE_URL TERRITOIRES_LOG=warn TERRITOIRES_ADMIN_PASSWORD="Admin-Smtp-2026" "$BIN" --data-dir "$WORK/admin-cli" \
  --database-url "$URL" user create-admin --email "admin@exemple.fr" --name "Admin" >/dev/null
start_sink
start_node 1
start_node 2
wait_up "${BASES[1]}"
wait_up "${BASES[2]}"
login "$WORK/admin" "${BASES[2]}" "admin@exemple.fr" "Admin-Smtp-2026"

# Ten people register through each node at once.
EXPECTED=()
FROM_NODE1=()
JOBS=()
for i in 1 2; do
  for n in $(seq -w 1 10); do
    EXPECTED+=("n$i-$n@exemple.fr=${BASES[$i]}")
    [ "$i" != 1 ] || FROM_NODE1+=("n$i-$n@exemple.fr")
  done
  (for n in $(seq -w 1 10); do register "$WORK/jar-n$i-$n" "${BASES[$i]}" "Personne $i-$n" "n$i-$n@exemple.fr"; done) &
  JOBS+=($!)
done
for j in "${JOBS[@]}"; do wait "$j"; done
wait_received 20 30
# The senders look every three seconds: a second sending would have come by now.
sleep 4
sink_holds "${EXPECTED[@]}"
outbox_sent "${BASES[2]}" "${FROM_NODE1[@]}"
"$VENV/bin/python" - "$MAILS" "${BASES[1]}" "${BASES[2]}" <<'PY'
import json, sys, urllib.request
mail = next(m for m in map(json.loads, open(sys.argv[1], encoding="utf-8")) if m["to"] == ["n1-01@exemple.fr"])
link = next(w for w in mail["body"].split() if w.startswith(sys.argv[2] + "/confirm/"))
page = urllib.request.urlopen(sys.argv[3] + link[len(sys.argv[2]):]).read().decode()
assert "Adresse confirmée" in page or "Address confirmed" in page, page[:500]
PY
echo "journey passed: two nodes, one SMTP server: 20 confirmation mails queued through both arrived once each; node 2's outbox shows node 1's sent, and node 1's link confirms on node 2"

# Node 2 paused; the SMTP server replaced by one that takes connections and never answers.
kill "$SINK_PID"
wait "$SINK_PID" 2>/dev/null || true
SINK_PID=""
python3 - "$SMTP_PORT" "$WORK/mute" <<'PY' &
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
open(sys.argv[2] + ".up", "w").close()
held = []
while True:
    conn, _ = server.accept()
    held.append(conn)
    with open(sys.argv[2], "a") as f:
        f.write("connection\n")
PY
MUTE_PID=$!
for _ in $(seq 1 100); do [ -e "$WORK/mute.up" ] && break; sleep 0.1; done
[ -e "$WORK/mute.up" ] || { echo "the mute SMTP server did not start"; exit 1; }
kill -STOP "${NODE_PIDS[2]}"
PAUSED="${NODE_PIDS[2]}"
for n in 1 2 3 4 5; do
  EXPECTED+=("late-$n@exemple.fr=${BASES[1]}")
  register "$WORK/jar-late-$n" "${BASES[1]}" "Tardif $n" "late-$n@exemple.fr"
done
# Node 1's sender took a mail and waits on the server (its try gives up after 20 s).
for _ in $(seq 1 50); do [ -s "$WORK/mute" ] && break; sleep 0.1; done
[ -s "$WORK/mute" ] || { echo "node 1 did not try to send"; exit 1; }
HELD=$(sql "SELECT count(*) FROM mail_queue WHERE state = 'pending' AND lease_owner IS NOT NULL")
FREE=$(sql "SELECT count(*) FROM mail_queue WHERE state = 'pending' AND lease_owner IS NULL AND attempts = 0")
[ "$HELD" -ge 1 ] && [ "$((HELD + FREE))" = 5 ] || { echo "pending: $HELD held, $FREE free"; exit 1; }
kill -KILL "${NODE_PIDS[1]}"
wait "${NODE_PIDS[1]}" 2>/dev/null || true
NODE_PIDS[1]=""
KILLED=$(date +%s)
kill "$MUTE_PID"
wait "$MUTE_PID" 2>/dev/null || true
MUTE_PID=""
start_sink
kill -CONT "${NODE_PIDS[2]}"
PAUSED=""
wait_received $((20 + FREE)) 15
AT_ONCE=$(($(date +%s) - KILLED))
# The held mails once their lease (a minute) has run out, at node 2's next look.
wait_received 25 90
HELD_AFTER=$(($(date +%s) - KILLED))
sleep 4
sink_holds "${EXPECTED[@]}"
outbox_sent "${BASES[2]}" "${EXPECTED[@]%%=*}"
echo "journey passed: node 1 killed during a try with $HELD mail(s) under its lease and $FREE waiting: node 2 sent the $FREE within ${AT_ONCE} s and the $HELD within ${HELD_AFTER} s, when the lease ran out, each once ($(($(date +%s) - STARTED)) s in all)"
