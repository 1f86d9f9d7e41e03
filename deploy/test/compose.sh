# Compose case (sourced by run.sh): deploy/compose/compose.yml under podman-compose with local stand-ins for the
# redis and prom/prometheus images (deploy/test/peers.Containerfile), ports on free host loopback ports.

build_peers_image() {
  local ctx=$WORK/peers
  mkdir -p "$ctx/bin" "$ctx/lib"
  cp /usr/bin/prometheus "$ctx/bin/prometheus"
  cp "$(readlink -f /usr/bin/redis-server)" "$ctx/bin/redis-server"
  # redis-server's libraries that the minbase root lacks.
  local lib
  for lib in libatomic.so.1 liblzf.so.1 libjemalloc.so.2; do cp -L "/lib/x86_64-linux-gnu/$lib" "$ctx/lib/"; done
  podman build --network=none -q -f "$TESTS/peers.Containerfile" --build-arg BASE_IMAGE="$BASE" -t "$PEERS" "$ctx" >"$WORK/peers.log" 2>&1 ||
    { tail -n 20 "$WORK/peers.log"; return 1; }
}

# prometheus_target_up PORT JOB: Prometheus scrapes exactly one target of JOB and it is up.
prometheus_target_up() {
  curl -sf --max-time 10 "http://127.0.0.1:$1/api/v1/targets" |
    jq -e --arg job "$2" '[.data.activeTargets[] | select(.labels.job == $job and .health == "up")] | length == 1'
}

# compose_audit_has_put GRPC_PORT: the daemon answers the audit log and it holds the fixture's bootstrap (record.put).
compose_audit_has_put() {
  NEURONGUARD_TOKEN=ng-compose-demo-token-replace-me "$PUB/neuronguard" ctl --server "127.0.0.1:$1" audit --limit 50 2>/dev/null |
    grep -q 'record.put'
}

# alert_firing PORT NAME JOB: the alert NAME fires for JOB in Prometheus' own evaluation.
alert_firing() {
  curl -sf --max-time 10 "http://127.0.0.1:$1/api/v1/alerts" |
    jq -e --arg name "$2" --arg job "$3" '[.data.alerts[] | select(.labels.alertname == $name and .labels.job == $job and .state == "firing")] | length >= 1'
}

test_compose() {
  build_peers_image || { fail_ "building the peers image"; return 1; }
  # A job name of our own: the scrape config and the NeuronGuardDown rule follow NEURONGUARD_JOB.
  local project=${PREFIX}stack job=${PREFIX}job grpc metrics prom
  grpc=$(free_port)
  metrics=$(free_port)
  prom=$(free_port)
  local compose=(podman-compose -p "$project" -f "$ROOT/deploy/compose/compose.yml")
  CLEANUPS+=("${compose[*]} down -v" "podman network rm -f ${project}_default")
  # The demo switch (the planted fixture in-process) gives the stack traffic to flag; without it the daemon has no model.
  grep -q '"--model", "${NEURONGUARD_MODEL:-none}"' "$ROOT/deploy/compose/compose.yml" || { fail_ "compose's daemon does not default to --model none"; return 1; }
  REDIS_IMAGE=$PEERS PROMETHEUS_IMAGE=$PEERS NEURONGUARD_IMAGE=$IMAGE NEURONGUARD_GRPC_PORT=$grpc NEURONGUARD_MODEL=fixture \
    NEURONGUARD_JOB=$job NEURONGUARD_METRICS_PORT=$metrics PROMETHEUS_PORT=$prom "${compose[@]}" up -d >"$WORK/compose.log" 2>&1 ||
    { tail -n 30 "$WORK/compose.log"; fail_ "podman-compose up"; return 1; }
  wait_until 300 "$PUB/neuronguard" health --target "127.0.0.1:$grpc" ||
    { podman logs "${project}_neuronguard_1" 2>&1 | tail -n 20; fail_ "daemon never SERVING"; return 1; }
  # Logs into a variable first: with pipefail, `podman logs | grep -q` fails when grep stops reading early (SIGPIPE).
  grep -q 'store: Serving: in sync with redis' <<<"$(podman logs "${project}_neuronguard_1" 2>&1)" || { fail_ "the daemon is not on Redis"; return 1; }
  wait_until 120 prometheus_target_up "$prom" "$job" || { curl -s "http://127.0.0.1:$prom/api/v1/targets"; fail_ "Prometheus never saw the daemon up"; return 1; }
  # Every alert rule of deploy/prometheus/alerts.yml is loaded.
  local want have
  want=$(/usr/bin/python3 -c 'import sys, yaml; print("\n".join(sorted(r["alert"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"] if "alert" in r)))' "$ROOT/deploy/prometheus/alerts.yml")
  have=$(curl -sf --max-time 10 "http://127.0.0.1:$prom/api/v1/rules" | jq -r '[.data.groups[].rules[] | select(.type == "alerting") | .name] | sort | .[]')
  [ -n "$want" ] && [ "$want" = "$have" ] || { fail_ "rules loaded: [$have], want [$want]"; return 1; }
  # A request through the stack (built-in host, demo token) is flagged.
  local out
  out=$(podman exec "${project}_neuronguard_1" /opt/neuronguard/neuronguard generate " the cerulean door" --max-new-tokens 2 \
    --token ng-compose-demo-token-replace-me 2>&1)
  grep -q 'verdict: FLAGGED' <<<"$out" || { echo "$out"; fail_ "generate through the stack not flagged"; return 1; }
  # Redis persists (AOF on a volume): after a Redis restart the audit log still holds the fixture's bootstrap.
  podman restart "${project}_redis_1" >/dev/null || { fail_ "restarting Redis"; return 1; }
  wait_until 60 "$PUB/neuronguard" health --target "127.0.0.1:$grpc" || { fail_ "daemon not SERVING after the Redis restart"; return 1; }
  # SERVING comes from the daemon's cache at once; the audit read needs the Redis connection back, so poll it.
  wait_until 60 compose_audit_has_put "$grpc" || {
    NEURONGUARD_TOKEN=ng-compose-demo-token-replace-me "$PUB/neuronguard" ctl --server "127.0.0.1:$grpc" audit --limit 50 2>&1
    fail_ "the audit log is empty after a Redis restart (no persistence)"; return 1; }
  # A dead daemon is not silent: NeuronGuardDown stays quiet while it runs, then fires once it stops.
  alert_firing "$prom" NeuronGuardDown "$job" && { fail_ "NeuronGuardDown fires while the daemon runs"; return 1; }
  podman stop -t 20 "${project}_neuronguard_1" >/dev/null || { fail_ "stopping the daemon"; return 1; }
  wait_until 240 alert_firing "$prom" NeuronGuardDown "$job" ||
    { curl -s "http://127.0.0.1:$prom/api/v1/alerts"; fail_ "NeuronGuardDown never fired after the daemon stopped"; return 1; }
  echo "  NeuronGuardDown fired for job $job after the daemon stopped"
  # Tear down, then nothing of the project is left.
  "${compose[@]}" down -v >>"$WORK/compose.log" 2>&1 || { fail_ "podman-compose down"; return 1; }
  podman network rm -f "${project}_default" >/dev/null 2>&1 # podman-compose 1.0 leaves the network
  [ -z "$(podman ps -aq --filter "label=io.podman.compose.project=$project")" ] || { fail_ "containers left"; return 1; }
  [ -z "$(podman volume ls -q --filter "label=io.podman.compose.project=$project")" ] || { fail_ "volumes left"; return 1; }
}
