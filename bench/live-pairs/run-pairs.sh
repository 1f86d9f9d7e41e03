#!/bin/bash
# Interleaved live-bench pairs: old (3764bff) then new, N times; each run is stopped after the ingest measure.
set -u
N=${1:-5}
OLD=${OLD_DLL:?set OLD_DLL to the reference tree's built NeuronGuard.Bench.dll}
NEW=${NEW_DLL:-$(cd "$(dirname "$0")/.." && pwd)/NeuronGuard.Bench/bin/Release/net10.0/NeuronGuard.Bench.dll}
OUT=${OUT:-/tmp/live-pairs}
mkdir -p "$OUT"
run_one() { # name dll pair
  local log=$OUT/$1-$3.log
  echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" > $log
  dotnet $2 live --seconds 2 >> $log 2>&1 &
  local pid=$!
  while kill -0 $pid 2>/dev/null; do
    if [ "$(grep -c 'values/s' $log)" -ge 3 ]; then kill $pid; wait $pid 2>/dev/null; break; fi
    sleep 1
  done
  echo "# end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log
}
for i in $(seq 1 $N); do
  run_one old $OLD $i
  run_one new $NEW $i
done
