#!/usr/bin/env bash
# Runs every NeuronGuard test. Installs what the tests need when it is missing: Debian packages (real Redis,
# Prometheus/promtool, openssl, Python grpcio, xxhash and torch on OpenBLAS, chromium for the console's browser tests)
# and the npm peers (@grpc/grpc-js).
# Suites: the .NET test projects, the Python client (clients/python) against real daemons, and deploy/ (image,
# compose, Kubernetes, Helm, systemd; podman). Each ends with "<suite> tests: N passed, N failed, N skipped";
# the last line sums them all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

DEB_PACKAGES=(redis-server redis-tools openssl prometheus python3-grpcio python3-protobuf python3-grpc-tools golang-github-gogo-googleapis-dev python3-torch python3-numpy python3-xxhash libopenblas0-pthread python3-pytest python3-mypy python3-prometheus-client python3-fastapi python3-uvicorn python3-httpx chromium)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test.sh: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f tests/peers/node/node_modules/@grpc/grpc-js/package.json ]; then
  echo "test.sh: installing npm peers (tests/peers/node)"
  (cd tests/peers/node && npm ci --no-audit --no-fund --loglevel=error)
fi

# The console's browser tests drive Debian's chromium by path (tests/NeuronGuard.Console.Tests); Playwright must never
# fetch a browser of its own (it cannot here).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

log=$(mktemp)
rc=0
# run NAME CLOSING-LINE-REGEX COMMAND...: runs one suite into the log; a suite that fails without printing its
# closing line (a build error, a crash) counts as one failed test, so the summary never reads green.
run() {
  local name=$1 closing=$2; shift 2
  local part
  part=$(mktemp)
  set +e
  "$@" 2>&1 | tee "$part"
  local code=${PIPESTATUS[0]}
  set -e
  cat "$part" >>"$log"
  if ((code != 0)); then
    rc=$code
    grep -qE "$closing" "$part" || echo "other tests: 0 passed, 1 failed, 0 skipped ($name ended with $code before its summary)" | tee -a "$log"
  fi
  rm -f "$part"
}
trx=$(mktemp -d)
run dotnet '^(Passed|Failed)!' dotnet test NeuronGuard.sln -c Release --nologo --logger "trx;LogFilePrefix=ng" --results-directory "$trx"
# The console logger names skipped tests without their reason; the TRX files carry it (e.g. a kernel path this CPU lacks).
/usr/bin/python3 - "$trx" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult[@outcome='NotExecuted']", ns):
        print(f"skipped: {r.get('testName')}: {r.findtext('.//t:Message', '', ns).strip()}")
PY
rm -rf "$trx"
run python '^python tests: ' /usr/bin/python3 clients/python/tests/run.py
run deploy '^deploy tests: ' deploy/test/run.sh

# One plain closing line over every test assembly and suite.
{
  grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' || true
  grep -E '^(python|deploy|other) tests: ' "$log" | sed -E 's/^[a-z]+ tests: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\2 \1 \3/' || true
} | awk '{f+=$1; p+=$2; s+=$3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}'
rm -f "$log"
exit "$rc"
