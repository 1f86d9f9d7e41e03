#!/usr/bin/env bash
# Daemon-side bytes allocated per Activations frame, measured from outside: `neuronguard serve` (planted fixture) in its
# own process, a Python grpcio model server sending one-step frames in lockstep, and the daemon's own
# dotnet_gc_allocated_bytes_total read from /metrics before and after. Usage: bench/alloc/run.sh [frames] [frames-per-request]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
frames=${1:-20000}
per_request=${2:-$frames}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build src/NeuronGuard.Cli -c Release -v q --nologo >/dev/null
/usr/bin/python3 -m grpc_tools.protoc -Iprotos --python_out="$work" protos/neuronguard/v1/common.proto protos/neuronguard/v1/telemetry.proto
# Free ports, so runs beside other daemons (or another checkout's run) do not collide.
read -r port mport < <(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
dotnet src/NeuronGuard.Cli/bin/Release/net10.0/neuronguard.dll serve --data-dir "$work/data" --listen 127.0.0.1:$port --metrics-listen 127.0.0.1:$mport >"$work/serve.log" 2>&1 &
pid=$!
# The first start calibrates the fixture: a minute or more on a loaded machine.
for _ in $(seq 480); do grep -q "connected (model" "$work/serve.log" && break; sleep 0.5; done
fp=$(grep -o "fingerprint [0-9a-f]*" "$work/serve.log" | head -1 | cut -d' ' -f2)
cd "$work" && /usr/bin/python3 "$OLDPWD/bench/alloc/probe.py" 127.0.0.1:$port http://127.0.0.1:$mport/metrics "$fp" "$frames" "$per_request"
