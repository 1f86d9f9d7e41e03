#!/usr/bin/env bash
# Runs every NeuronGuard test. Installs what the tests need when it is missing:
# Debian packages (real Redis, Prometheus/promtool, Python grpcio and torch) and the npm peers (@grpc/grpc-js).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

DEB_PACKAGES=(redis-server redis-tools prometheus python3-grpcio python3-protobuf python3-grpc-tools python3-torch python3-numpy libopenblas0-pthread)
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

log=$(mktemp)
set +e
dotnet test NeuronGuard.sln -c Release --nologo 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line over every test assembly.
grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' |
  awk '{f+=$1; p+=$2; s+=$3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}'
rm -f "$log"
exit "$rc"
