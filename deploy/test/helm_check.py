"""Checks the Helm chart without a helm binary (none exists here): deploy/helm/expected/default.yaml is the rendering
the chart is meant to give with its default values. It must hold exactly the objects of deploy/k8s (the manifests that
`podman kube play` runs), reflect values.yaml, and every .Values path the templates use must exist in values.yaml."""
import base64, json, os, re, sys
import yaml

root = sys.argv[1]
chart = os.path.join(root, "deploy/helm/neuronguard")
values = yaml.safe_load(open(os.path.join(chart, "values.yaml")))
meta = yaml.safe_load(open(os.path.join(chart, "Chart.yaml")))
assert meta["apiVersion"] == "v2" and meta["name"] == "neuronguard", meta


def lookup(path):
    node = values
    for part in path.split("."):
        assert isinstance(node, dict) and part in node, f"templates use .Values.{path}, missing from values.yaml"
        node = node[part]
    return node


templates = os.path.join(chart, "templates")
used = set()
for name in sorted(os.listdir(templates)):
    used.update(re.findall(r"\.Values\.([A-Za-z0-9_.]+)", open(os.path.join(templates, name)).read()))
for path in used:
    lookup(path)


def objects(*files):
    out = {}
    for f in files:
        for d in yaml.safe_load_all(open(os.path.join(root, f))):
            if d:
                key = (d["kind"], d["metadata"]["name"])
                assert key not in out, f"{key} twice"
                if d["kind"] == "ConfigMap":  # compare the config as JSON, not as text
                    d["data"] = {k: json.loads(v) if k.endswith(".json") else v for k, v in d["data"].items()}
                out[key] = d
    return out


rendered = objects("deploy/helm/expected/default.yaml")
manifests = objects("deploy/k8s/redis.yaml", "deploy/k8s/sidecar.yaml")
assert rendered.keys() == manifests.keys(), f"objects differ: {sorted(rendered.keys() ^ manifests.keys())}"
for key in manifests:
    assert rendered[key] == manifests[key], f"{key} differs between the expected rendering and deploy/k8s"

# The rendering reflects values.yaml.
deploy = rendered[("Deployment", values["modelServer"]["name"])]
pod = deploy["spec"]["template"]["spec"]
assert deploy["spec"]["replicas"] == values["modelServer"]["replicas"]
assert deploy["spec"]["selector"]["matchLabels"] == values["modelServer"]["labels"]
assert pod["securityContext"] == values["podSecurityContext"]
model_server, daemon = pod["containers"]
assert model_server == values["modelServer"]["container"], "the model server container is values.modelServer.container"
assert daemon["image"] == f"{values['image']['repository']}:{values['image']['tag']}"
assert daemon["imagePullPolicy"] == values["image"]["pullPolicy"]
assert daemon["resources"] == values["resources"]
grpc_port = values["config"]["listen"].rsplit(":", 1)[1]
metrics_port = int(values["config"]["metricsListen"].rsplit(":", 1)[1])
assert daemon["startupProbe"]["exec"]["command"][3] == f"127.0.0.1:{grpc_port}"
assert [p["containerPort"] for p in daemon["ports"] if p["name"] == "metrics"] == [metrics_port]
assert deploy["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(metrics_port)
config = rendered[("ConfigMap", "neuronguard-config")]["data"]["neuronguard.json"]["NeuronGuard"]
assert config["Listen"] == values["config"]["listen"] and config["Metrics"]["Listen"] == values["config"]["metricsListen"]
assert ("Model" in config) == bool(values["config"]["model"])
assert config["Store"] == {"Kind": "Redis", "Redis": {"Endpoints": values["config"]["redis"]["endpoints"], "KeyPrefix": values["config"]["redis"]["keyPrefix"]}}
assert config["Auth"]["Tokens"] == [{"Name": t["name"], "Hash": t["hash"], "Roles": t["roles"]} for t in values["auth"]["tokens"]]
assert not values["tls"]["enabled"] and "TlsCertificate" not in config
secret = rendered[("Secret", values["auth"]["secret"]["name"])]
assert base64.b64decode(secret["data"]["ingest-token"]).decode() == values["auth"]["secret"]["ingestToken"]
redis = rendered[("Deployment", "redis")]["spec"]["template"]["spec"]["containers"][0]
assert redis["image"] == values["redis"]["image"] and redis["resources"] == values["redis"]["resources"]
print(f"  helm: {len(rendered)} objects equal deploy/k8s; {len(used)} .Values paths resolve (rendered by hand: no helm binary here)")
