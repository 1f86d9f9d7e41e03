# Image cases (sourced by run.sh): build deploy/Dockerfile on the local base, run it with host networking on free
# ports, and talk to it from the host with the published `neuronguard` CLI.

test_image_build() {
  local old
  old=$(podman image inspect "$IMAGE" --format '{{.Id}}' 2>/dev/null)
  podman build --network=none -q -f "$ROOT/deploy/Dockerfile" --build-arg BASE_IMAGE="$BASE" \
    --build-arg VERSION=test --build-arg REVISION="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -t "$IMAGE" "$WORK/context" >"$WORK/build.log" 2>&1 || { tail -n 20 "$WORK/build.log"; fail_ "podman build"; return 1; }
  # The previous run's image would stay behind untagged: remove it (only if no container uses it).
  if [ -n "$old" ] && [ "$old" != "$(podman image inspect "$IMAGE" --format '{{.Id}}')" ]; then podman rmi "$old" >/dev/null 2>&1; fi
  local cfg
  cfg=$(podman image inspect "$IMAGE" --format '{{json .Config}}') || return 1
  local ok=0
  [ "$(jq -r .User <<<"$cfg")" = "1654:1654" ] || { fail_ "User is $(jq -r .User <<<"$cfg")"; ok=1; }
  jq -e '.StopSignal == "SIGTERM" or .StopSignal == "15"' <<<"$cfg" >/dev/null || { fail_ "StopSignal $(jq -r .StopSignal <<<"$cfg")"; ok=1; }
  jq -e '.ExposedPorts | has("50051/tcp") and has("9464/tcp")' <<<"$cfg" >/dev/null || { fail_ "ports: $(jq -c .ExposedPorts <<<"$cfg")"; ok=1; }
  jq -e '.Volumes | has("/var/lib/neuronguard")' <<<"$cfg" >/dev/null || { fail_ "no /var/lib/neuronguard volume"; ok=1; }
  jq -e '.Labels["org.opencontainers.image.title"] == "neuronguard" and .Labels["org.opencontainers.image.version"] == "test"
         and (.Labels["org.opencontainers.image.revision"] | length > 0)' <<<"$cfg" >/dev/null || { fail_ "labels: $(jq -c .Labels <<<"$cfg")"; ok=1; }
  # An image-level NEURONGUARD__* variable would override the mounted config file (a ConfigMap) and the flags' file.
  jq -e '[.Env[]? | select(startswith("NEURONGUARD"))] | length == 0' <<<"$cfg" >/dev/null || { fail_ "ENV sets a NeuronGuard setting"; ok=1; }
  return $ok
}

test_image_serves() {
  GRPC_PORT=$(free_port)
  METRICS_PORT=$(free_port)
  DAEMON=$PREFIX-daemon
  CLEANUPS+=("podman rm -f -t 0 $DAEMON" "podman volume rm -f $PREFIX-data")
  # The image runs no model by default (Model "none"); --model fixture is the demo switch, so that `generate` below has
  # a model. First start bootstraps the planted fixture (calibration): a generous bound, not a timing check.
  podman run -d --name "$DAEMON" --network=host --read-only -v "$PREFIX-data:/var/lib/neuronguard" "$IMAGE" \
    serve --config /etc/neuronguard/neuronguard.json --model fixture --listen "127.0.0.1:$GRPC_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT" >/dev/null ||
    { fail_ "podman run"; return 1; }
  wait_until 300 "$PUB/neuronguard" health --target "127.0.0.1:$GRPC_PORT" ||
    { podman logs "$DAEMON" 2>&1 | tail -n 20; fail_ "health never SERVING"; return 1; }
  local out
  out=$("$PUB/neuronguard" health --target "127.0.0.1:$GRPC_PORT") && [ "$out" = "SERVING" ] || { fail_ "health printed '$out'"; return 1; }
  # The exec probe a kubelet would run inside the container.
  podman exec "$DAEMON" /opt/neuronguard/neuronguard health --target "127.0.0.1:$GRPC_PORT" >/dev/null || { fail_ "exec health probe"; return 1; }
  [ "$(podman exec "$DAEMON" id -u)" = "1654" ] || { fail_ "daemon does not run as 1654"; return 1; }
  local metrics
  metrics=$(curl -sf --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics") || { fail_ "GET /metrics"; return 1; }
  grep -q '^neuronguard_store_up 1' <<<"$metrics" || { fail_ "/metrics lacks neuronguard_store_up 1"; return 1; }
  # The probes the Kubernetes manifests and the Helm chart use: both 200 while the store serves.
  local path code
  for path in healthz readyz; do
    code=$(http_code "http://127.0.0.1:$METRICS_PORT/$path")
    if [ "$code" != 200 ]; then
      fail_ "/$path answered $code, not 200"
      return 1
    fi
  done
}

test_image_generate() {
  [ -n "${DAEMON:-}" ] || { fail_ "no running daemon (image serves failed)"; return 1; }
  local out
  out=$(podman exec "$DAEMON" /opt/neuronguard/neuronguard generate " the cerulean door" --server "http://127.0.0.1:$GRPC_PORT" --max-new-tokens 3 2>&1) ||
    { echo "$out"; fail_ "generate exited non-zero"; return 1; }
  grep -qF '[!' <<<"$out" && grep -q 'verdict: FLAGGED' <<<"$out" || { echo "$out"; fail_ "not flagged"; return 1; }
}

test_image_sigterm() {
  [ -n "${DAEMON:-}" ] || { fail_ "no running daemon (image serves failed)"; return 1; }
  # An in-flight server stream (ctl tail) that the daemon must end when it drains.
  "$PUB/neuronguard" ctl --server "http://127.0.0.1:$GRPC_PORT" tail >"$WORK/tail.log" 2>&1 &
  local tail_pid=$!
  CLEANUPS+=("kill $tail_pid")
  sleep 2 # let the watch connect; the checks below do not depend on it having done so
  podman stop -t 60 "$DAEMON" >/dev/null || { fail_ "podman stop"; return 1; }
  local code logs
  code=$(podman inspect "$DAEMON" --format '{{.State.ExitCode}}')
  logs=$(podman logs "$DAEMON" 2>&1)
  [ "$code" = 0 ] || { tail -n 20 <<<"$logs"; fail_ "exit code $code after SIGTERM"; return 1; }
  grep -q 'NeuronGuard stopping: in-flight calls have' <<<"$logs" && grep -q 'NeuronGuard stopped' <<<"$logs" ||
    { tail -n 20 <<<"$logs"; fail_ "no drain in the log"; return 1; }
  wait_until 60 bash -c "! kill -0 $tail_pid" || { fail_ "the in-flight watch did not end"; return 1; }
}
