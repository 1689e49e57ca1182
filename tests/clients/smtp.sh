#!/usr/bin/env bash
# Mail through a real SMTP server (aiosmtpd, smtp_sink.py), by way of the mail queue, across an
# outage: the node starts while the server is down; a registration queues its confirmation mail,
# whose first try fails; the outbox shows it waiting with its error; the server starts, and the
# mail arrives at its next try (a minute after the first), exactly once; its link confirms the
# address, and the outbox shows it sent. Installs aiosmtpd in a venv of its own, idempotently.
# Usage: smtp.sh PATH/TO/territoires
set -euo pipefail
BIN="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/clients/lib.sh
source "$HERE/lib.sh"
VENV="${TERRITOIRES_SMTP_VENV:-$HOME/.cache/territoires-smtp-venv}"
smtp_venv "$VENV"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

SMTP_PORT=$(free_port)
MAILS="$WORK/mails.jsonl"
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/node"
# An administrator, to read the outbox.
env -u DATABASE_URL TERRITOIRES_LOG=warn TERRITOIRES_ADMIN_PASSWORD="Admin-Smtp-2026" \
  "$BIN" user create-admin --data-dir "$WORK/node" --email "admin@exemple.fr" --name "Admin" >/dev/null
# The node, while nothing listens on the SMTP server's port.
env -u DATABASE_URL TERRITOIRES_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/node" \
  --smtp-url "smtp://127.0.0.1:$SMTP_PORT" --mail-from "Territoires <ne-pas-repondre@territoires.test>" >/dev/null &
PIDS+=($!)
wait_up "$BASE"

register "$WORK/cookies" "$BASE" "Anne" "anne@exemple.fr"

# The first try failed: the outbox shows the mail waiting, with the connection's error.
ADMIN="$WORK/admin-cookies"
login "$ADMIN" "$BASE" "admin@exemple.fr" "Admin-Smtp-2026"
outbox_shows() { # TEXT...: waits up to five seconds for the outbox to show every TEXT
  local page=""
  for _ in $(seq 1 25); do
    page=$(curl -fs -b "$ADMIN" "$BASE/admin/outbox")
    local all=1
    for text in "$@"; do grep -qi -- "$text" <<< "$page" || all=0; done
    [ "$all" = 1 ] && return 0
    sleep 0.2
  done
  echo "the outbox does not show $*:"; echo "$page" | sed -n '/<table/,/<\/table>/p'; exit 1
}
outbox_shows "anne@exemple.fr" "À envoyer" "refused"
[ ! -s "$MAILS" ]
echo "while the SMTP server is down, the confirmation mail waits in the queue with its error"

# The server starts; the mail leaves at its next try, a minute after the first.
"$VENV/bin/python" "$HERE/smtp_sink.py" "$SMTP_PORT" "$MAILS" >/dev/null &
PIDS+=($!)
for _ in $(seq 1 450); do [ -s "$MAILS" ] && break; sleep 0.2; done
# The senders look every few seconds: a second sending would have come by now.
sleep 8
"$VENV/bin/python" - "$MAILS" "$BASE" <<'PY'
import json, sys, urllib.request
mails = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(mails) == 1, mails
m = mails[0]
assert m["to"] == ["anne@exemple.fr"], m
assert m["from"] == "ne-pas-repondre@territoires.test", m
assert "Confirmez" in m["subject"], m
link = next(w for w in m["body"].split() if w.startswith(sys.argv[2] + "/confirm/"))
page = urllib.request.urlopen(link).read().decode()
assert "Adresse confirmée" in page or "Address confirmed" in page, page[:500]
PY
outbox_shows "anne@exemple.fr" "Envoyé"
echo "journey passed: once the SMTP server is up, the mail arrived once through it and its link confirmed the address"
