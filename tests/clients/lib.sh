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

# Signs in at BASE through the login form, the session kept in JAR.
login() { # JAR BASE EMAIL PASSWORD
  local csrf
  csrf=$(csrf_of "$1" "$2" /login)
  curl -fs -m 30 -c "$1" -b "$1" -o /dev/null --data-urlencode "email=$3" \
    --data-urlencode "password=$4" --data-urlencode "_csrf=$csrf" "$2/login"
}

# Registers a person at BASE through the registration form, the session kept in JAR: its
# confirmation mail is queued.
register() { # JAR BASE NAME EMAIL
  local csrf
  csrf=$(csrf_of "$1" "$2" /register)
  curl -fs -m 30 -c "$1" -b "$1" -o /dev/null --data-urlencode "display_name=$3" --data-urlencode "email=$4" \
    --data-urlencode "password=Lannion-2026" --data-urlencode "terms=yes" --data-urlencode "_csrf=$csrf" "$2/register"
}
