# Shell helpers of the mail journeys (smtp.sh, smtp_nodes.sh), sourced by them.
CLIENTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A TCP port free on the loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Makes sure the venv VENV holds aiosmtpd at the version requirements.txt names, idempotently.
# The venv may be run.sh's, which holds every client: only aiosmtpd's version is checked here.
smtp_venv() { # VENV
  local reqs
  reqs="$(grep '^aiosmtpd==' "$CLIENTS_DIR/requirements.txt")"
  if ! "$1/bin/python" -c "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '${reqs#aiosmtpd==}')" 2>/dev/null; then
    python3 -m venv "$1"
    "$1/bin/pip" install -q "$reqs"
  fi
}

# Waits up to twenty seconds for the node at BASE to answer.
wait_up() { # BASE
  for _ in $(seq 1 100); do curl -fs "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "$1 does not answer"
  return 1
}

# Reads PATH at BASE with the session kept in JAR, and prints the session's CSRF token.
csrf_of() { # JAR BASE PATH
  curl -fs -m 30 -c "$1" -b "$1" -o /dev/null "$2$3"
  awk '$6 == "csrf" {print $7}' "$1"
}

# The code an authenticator app with the key KEY (base32) shows now.
totp() { # KEY
  python3 - "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
text = sys.argv[1].upper()
key = base64.b32decode(text + "=" * (-len(text) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
at = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[at:at + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}

# Signs in at BASE through the login form, the session kept in JAR. When a second factor is
# asked, types the code of the key KEY, or, for an account that must set one up, of the key the
# setup page shows (instance administrators sign in with a second factor).
login() { # JAR BASE EMAIL PASSWORD [KEY]
  local csrf to page key
  csrf=$(csrf_of "$1" "$2" /login)
  to=$(curl -fs -m 30 -c "$1" -b "$1" -o /dev/null -w '%{redirect_url}' --data-urlencode "email=$3" \
    --data-urlencode "password=$4" --data-urlencode "_csrf=$csrf" "$2/login")
  [ "$to" = "$2/login/code" ] || return 0
  page=$(curl -fs -m 30 -c "$1" -b "$1" "$2/login/code")
  key=$(sed -n 's/.*<code class="secret">\([A-Z2-7]*\)<.*/\1/p' <<< "$page")
  [ -n "$key" ] || key="${5:?a second factor is asked of $3}"
  curl -fs -m 30 -c "$1" -b "$1" -o /dev/null --data-urlencode "code=$(totp "$key")" \
    --data-urlencode "_csrf=$csrf" "$2/login/code"
}

# Registers a person at BASE through the registration form, the session kept in JAR: its
# confirmation mail is queued.
register() { # JAR BASE NAME EMAIL
  local csrf
  csrf=$(csrf_of "$1" "$2" /register)
  curl -fs -m 30 -c "$1" -b "$1" -o /dev/null --data-urlencode "display_name=$3" --data-urlencode "email=$4" \
    --data-urlencode "password=Lannion-2026" --data-urlencode "terms=yes" --data-urlencode "_csrf=$csrf" "$2/register"
}
