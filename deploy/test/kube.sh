# Kubernetes case (sourced by run.sh): `podman kube play` of the Helm chart's rendering (deploy/test/helmrender) with
# the demo switch (deploy/helm/examples/demo.yaml) and an ingest token of the test's own (--set auth.secret.ingestToken):
# the objects of deploy/k8s/redis.yaml and deploy/k8s/sidecar.yaml (helm_check.py), the fixture on, and the token's hash
# derived by the chart, so a flagged request proves the overridden token authenticates the model server.
# podman 4.3 is not a cluster; the test bridges three differences and changes nothing else in the manifests:
#  - Services are ignored: the Redis pod joins the test network with the alias "{prefix}redis", as its Service would give it;
#  - Secrets: kube play stores a Secret document as YAML but reads secretKeyRef data as JSON, so the test creates the
#    podman secret from the manifest's Secret (JSON) and plays the other documents;
#  - fsGroup is ignored: emptyDir volumes stay root-owned, so they become host directories owned by the pod's user;
#  - podman 4.3 publishes every containerPort on the host at the same number (0.0.0.0:9464, :50051, :6379), which
#    fails while another daemon runs there; a cluster publishes nothing. The test drops `ports` and gives the probes
#    the numbers their names stood for, so nothing of the pods is reachable from the host (checked below).
# The Redis image becomes the local stand-in (no registry here).

prepare_kube_manifests() {
  local dir=$1
  build_helmrender || return 1
  printf 'namePrefix: %s\nauth:\n  secret:\n    ingestToken: ng-kube-%s\n' "$KP" "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$dir/token-values.yaml"
  "$WORK/helmrender" "$ROOT/deploy/helm/neuronguard" "$ROOT/deploy/helm/examples/demo.yaml" "$dir/token-values.yaml" >"$dir/rendered.yaml" || return 1
  /usr/bin/python3 - "$dir/rendered.yaml" "$dir" "$PEERS" <<'PY'
import json, os, sys, yaml
rendered, out, peers = sys.argv[1:]
every = [d for d in yaml.safe_load_all(open(rendered)) if d]
redis = [d for d in every if d["metadata"]["name"].endswith("redis")]
for d in redis:
    for c in d.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        c["image"] = peers
def unpublish(doc):
    for c in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        named = {p["name"]: p["containerPort"] for p in c.pop("ports", []) if "name" in p}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = c.get(probe, {}).get("httpGet")
            if get and isinstance(get.get("port"), str):
                get["port"] = named[get["port"]]
for d in every:
    unpublish(d)
yaml.safe_dump_all(redis, open(os.path.join(out, "redis.yaml"), "w"))
docs = [d for d in every if not d["metadata"]["name"].endswith("redis")]
secrets = [d for d in docs if d["kind"] == "Secret"]
assert len(secrets) == 1, "the rendering holds one Secret"
json.dump(secrets[0]["data"], open(os.path.join(out, "secret.json"), "w"))
for d in docs:
    if d["kind"] == "Deployment":
        uid = d["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
        for v in d["spec"]["template"]["spec"]["volumes"]:
            if "emptyDir" in v:
                path = os.path.join(out, "volumes", v["name"])
                os.makedirs(path)
                os.chown(path, uid, uid)
                v.pop("emptyDir")
                v["hostPath"] = {"path": path, "type": "Directory"}
yaml.safe_dump_all([d for d in docs if d["kind"] != "Secret"], open(os.path.join(out, "sidecar.yaml"), "w"))
print(secrets[0]["metadata"]["name"])
PY
}

kube_generate_flagged() {
  grep -q 'verdict: FLAGGED' <<<"$(podman exec "${KP}model-server-pod-0-model-server" /opt/neuronguard/neuronguard generate " the cerulean door" \
    --server http://127.0.0.1:8000 --max-new-tokens 2 2>&1)"
}

# Names: the chart's namePrefix makes every pod, container, volume and Secret of this run unique on the host.
KP=${PREFIX}-

test_kube() {
  local dir=$WORK/kube net=${PREFIX}kube secret
  mkdir -p "$dir"
  secret=$(prepare_kube_manifests "$dir") || { fail_ "preparing the manifests"; return 1; }
  CLEANUPS+=("podman kube down $dir/sidecar.yaml" "podman kube down $dir/redis.yaml" "podman secret rm $secret"
    "podman volume rm -f ${KP}neuronguard-config" "podman network rm -f $net")
  podman network create "$net" >/dev/null || { fail_ "network create"; return 1; }
  podman secret create "$secret" "$dir/secret.json" >/dev/null || { fail_ "secret create"; return 1; }
  podman kube play --network "$net" "$dir/redis.yaml" >"$WORK/kube.log" 2>&1 || { cat "$WORK/kube.log"; fail_ "kube play redis.yaml"; return 1; }
  local infra
  infra=$(podman pod inspect "${KP}redis-pod-0" --format '{{.InfraContainerID}}') &&
    podman network disconnect "$net" "$infra" 2>/dev/null && podman network connect --alias "${KP}redis" "$net" "$infra" 2>/dev/null ||
    { fail_ "giving the Redis pod its Service name"; return 1; }
  podman kube play --network "$net" "$dir/sidecar.yaml" >>"$WORK/kube.log" 2>&1 || { cat "$WORK/kube.log"; fail_ "kube play sidecar.yaml"; return 1; }
  # No port of either pod is published on the host (podman 4.3 would bind 0.0.0.0:9464 for a containerPort).
  local published
  published=$(podman ps -a --filter "pod=${KP}model-server-pod-0" --filter "pod=${KP}redis-pod-0" --format '{{.Names}} {{.Ports}}' | awk 'NF > 1')
  [ -z "$published" ] || { echo "$published"; fail_ "pod ports published on the host"; return 1; }
  # The model-server container reaches the sidecar over the pod's loopback: health, then a flagged request through
  # the model server's own Inference endpoint (its activations scored by the sidecar).
  wait_until 300 podman exec "${KP}model-server-pod-0-model-server" /opt/neuronguard/neuronguard health --target 127.0.0.1:50051 ||
    { podman logs "${KP}model-server-pod-0-neuronguard" 2>&1 | tail -n 20; fail_ "sidecar never SERVING from the model-server container"; return 1; }
  wait_until 120 kube_generate_flagged ||
    { podman logs "${KP}model-server-pod-0-model-server" 2>&1 | tail -n 20; fail_ "request through the model server not flagged"; return 1; }
  # Logs into a variable first: with pipefail, `podman logs | grep -q` fails when grep stops reading early (SIGPIPE).
  local sidecar_log
  sidecar_log=$(podman logs "${KP}model-server-pod-0-neuronguard" 2>&1)
  grep -q "model server 'model-server' connected" <<<"$sidecar_log" || { fail_ "the model server never connected"; return 1; }
  grep -q 'store: Serving: in sync with redis' <<<"$sidecar_log" || { grep -E 'store|redis' <<<"$sidecar_log" | head -n 20; fail_ "the sidecar is not on Redis"; return 1; }
  podman kube down "$dir/sidecar.yaml" >/dev/null 2>&1 && podman kube down "$dir/redis.yaml" >/dev/null 2>&1 || { fail_ "kube down"; return 1; }
  podman secret rm "$secret" >/dev/null && podman volume rm -f "${KP}neuronguard-config" >/dev/null && podman network rm "$net" >/dev/null ||
    { fail_ "removing the secret, config volume or network"; return 1; }
  [ -z "$(podman pod ps -q --filter "name=${KP}model-server-pod-0")$(podman pod ps -q --filter "name=${KP}redis-pod-0")" ] || { fail_ "pods left"; return 1; }
}
