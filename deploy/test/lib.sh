# Helpers for the deploy tests (sourced by run.sh): counting cases, waiting on events, free ports.
PASSED=0
FAILED=0
SKIPPED=0

# case NAME FUNCTION: runs one check; the function prints why it failed and returns non-zero.
# DEPLOY_ONLY=TEXT runs only the cases whose name contains TEXT (the others are not counted).
case_() {
  local name=$1
  shift
  [[ -z "${DEPLOY_ONLY:-}" || "$name" == *"$DEPLOY_ONLY"* ]] || return 0
  echo "deploy: $name ..."
  if "$@"; then
    echo "PASS deploy: $name"
    PASSED=$((PASSED + 1))
  else
    echo "FAIL deploy: $name"
    FAILED=$((FAILED + 1))
  fi
}

skip_() {
  echo "SKIP deploy: $1 ($2)"
  SKIPPED=$((SKIPPED + 1))
}

# fail_ MESSAGE...: prints the reason and returns 1 (use as `cond || fail_ "..."`; `return 1` follows).
fail_() {
  echo "  failed: $*"
  return 1
}

# wait_until SECONDS COMMAND...: polls once a second until COMMAND succeeds; a generous bound on an event, not a timing
# assertion.
wait_until() {
  local end=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || return 1
    sleep 1
  done
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1"
}
