"""Checks the Helm chart. No helm binary exists here, so deploy/test/helmrender (Go text/template with sprig, Helm's
own function library) renders it: with the default values the rendering must hold exactly the objects of
deploy/helm/expected/default.yaml, which are exactly those of deploy/k8s (the manifests `podman kube play` runs), and
reflect values.yaml; every .Values path the templates use must exist in values.yaml; the standalone TLS example
(deploy/helm/examples/standalone-tls.yaml) must render a daemon behind a Service with TLS; a rendering with an
overridden ingest token must carry that token's hash; the demo example (deploy/helm/examples/demo.yaml) must switch
the fixture on.

A rendering with namePrefix and the alert rules on (RENDERED_PREFIXED.yaml, prefix PREFIX) must prefix every name and
reference, and carry deploy/prometheus/alerts.yml with the job and budget given (written to ALERTS_OUT for promtool).

usage: helm_check.py ROOT RENDERED_DEFAULT.yaml RENDERED_STANDALONE_TLS.yaml RENDERED_TOKEN.yaml TOKEN RENDERED_DEMO.yaml
       RENDERED_PREFIXED.yaml PREFIX ALERTS_OUT"""
import base64, hashlib, json, os, re, sys
import yaml

root, rendered_default, rendered_standalone, rendered_token, token, rendered_demo, rendered_prefixed, prefix, alerts_out = sys.argv[1:10]


def token_hash(value):
    """The daemon's TokenHasher: sha256: + lowercase hex SHA-256 of the trimmed UTF-8 token."""
    return "sha256:" + hashlib.sha256(value.strip().encode()).hexdigest()
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
        for d in yaml.safe_load_all(open(os.path.join(root, f))):  # absolute paths stay as they are
            if d:
                key = (d["kind"], d["metadata"]["name"])
                assert key not in out, f"{key} twice"
                if d["kind"] == "ConfigMap":  # compare the config as JSON, not as text
                    d["data"] = {k: json.loads(v) if k.endswith(".json") else v for k, v in d["data"].items()}
                out[key] = d
    return out


def same(a, b, what):
    assert a.keys() == b.keys(), f"{what}: objects differ: {sorted(a.keys() ^ b.keys())}"
    for key in a:
        assert a[key] == b[key], f"{what}: {key} differs:\n{yaml.safe_dump(a[key])}\nvs\n{yaml.safe_dump(b[key])}"


rendered = objects(rendered_default)
expected = objects("deploy/helm/expected/default.yaml")
manifests = objects("deploy/k8s/redis.yaml", "deploy/k8s/sidecar.yaml")
same(rendered, expected, "rendering vs deploy/helm/expected/default.yaml")
same(expected, manifests, "deploy/helm/expected/default.yaml vs deploy/k8s")

# The rendering reflects values.yaml.
deploy = rendered[("Deployment", values["modelServer"]["name"])]
pod = deploy["spec"]["template"]["spec"]
assert deploy["spec"]["replicas"] == values["modelServer"]["replicas"]
assert deploy["spec"]["selector"]["matchLabels"] == values["modelServer"]["labels"]
assert pod["securityContext"] == values["podSecurityContext"]
model_server, daemon = pod["containers"]
# values.modelServer.container, rendered with tpl: its Secret reference names the chart's Secret.
assert model_server == json.loads(json.dumps(values["modelServer"]["container"]).replace(
    '{{ include \\"neuronguard.secretName\\" . }}', values["auth"]["secret"]["name"])), "the model server container is values.modelServer.container"
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
assert config["Model"] == values["config"]["model"] == "none", "the default rendering runs no built-in model"
assert "env" not in daemon, "no built-in host token without a built-in host"
assert config["Store"] == {"Kind": "Redis", "Redis": {"Endpoints": values["config"]["redis"]["endpoints"] or ["redis:6379"], "KeyPrefix": values["config"]["redis"]["keyPrefix"]}}
assert config["Auth"]["Tokens"] == [{"Name": t["name"], "Hash": t.get("hash") or token_hash(values["auth"]["secret"][t["hashFromSecret"]]), "Roles": t["roles"]}
                                    for t in values["auth"]["tokens"]]
assert not values["tls"]["enabled"] and "TlsCertificate" not in config
secret = rendered[("Secret", values["auth"]["secret"]["name"])]
assert base64.b64decode(secret["data"]["ingest-token"]).decode() == values["auth"]["secret"]["ingestToken"]
redis = rendered[("Deployment", "redis")]["spec"]["template"]["spec"]["containers"][0]
assert redis["image"] == values["redis"]["image"] and redis["resources"] == values["redis"]["resources"]

# Standalone with TLS: the daemon alone, on every address, behind a Service, with the certificate Secret mounted.
alone = objects(rendered_standalone)
example = yaml.safe_load(open(os.path.join(root, "deploy/helm/examples/standalone-tls.yaml")))
assert ("Deployment", "redis") not in alone and ("Deployment", "model-server") not in alone
service = alone[("Service", "neuronguard")]
pod = alone[("Deployment", "neuronguard")]["spec"]["template"]["spec"]
(daemon,) = pod["containers"]
assert service["spec"]["selector"] == alone[("Deployment", "neuronguard")]["spec"]["selector"]["matchLabels"]
assert {p["name"] for p in service["spec"]["ports"]} == {"grpc", "metrics"} and {p["name"] for p in daemon["ports"]} == {"grpc", "metrics"}
assert "env" not in daemon, "no built-in host token without a built-in host"
config = alone[("ConfigMap", "neuronguard-config")]["data"]["neuronguard.json"]["NeuronGuard"]
assert config["Listen"] == f"0.0.0.0:{grpc_port}" and config["Model"] == "none"
assert config["Store"]["Redis"]["Endpoints"] == example["config"]["redis"]["endpoints"]
assert config["TlsRequireClientCertificate"] is True
tls = [v for v in pod["volumes"] if v["name"] == "tls"]
assert tls == [{"name": "tls", "secret": {"secretName": example["tls"]["secretName"]}}], tls
mount = [m for m in daemon["volumeMounts"] if m["name"] == "tls"][0]["mountPath"]
assert all(config[k].startswith(mount + "/") for k in ("TlsCertificate", "TlsKey", "TlsClientCa"))
assert daemon["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}, "with TLS the startup probe is HTTP"
# Overridden token: the Secret carries it and the daemon's config its hash (the model server presents the Secret's value).
over = objects(rendered_token)
secret = over[("Secret", values["auth"]["secret"]["name"])]
assert base64.b64decode(secret["data"]["ingest-token"]).decode() == token
tokens = over[("ConfigMap", "neuronguard-config")]["data"]["neuronguard.json"]["NeuronGuard"]["Auth"]["Tokens"]
assert [t["Hash"] for t in tokens if t["Name"] == "model-server"] == [token_hash(token)], (tokens, token_hash(token))
assert token_hash(token) != token_hash(values["auth"]["secret"]["ingestToken"])

# Demo switch: the fixture in-process, its host presenting the Secret's token.
demo = objects(rendered_demo)
config = demo[("ConfigMap", "neuronguard-config")]["data"]["neuronguard.json"]["NeuronGuard"]
assert config["Model"] == "fixture", config
daemon = demo[("Deployment", values["modelServer"]["name"])]["spec"]["template"]["spec"]["containers"][1]
assert daemon["env"] == [{"name": "NEURONGUARD__BUILTINHOSTTOKEN", "valueFrom": {"secretKeyRef": {"name": values["auth"]["secret"]["name"], "key": "ingest-token"}}}]

# Name prefix: every object and every reference between them; the alert rules with their settings.
pre = objects(rendered_prefixed)
assert all(name.startswith(prefix) for _, name in pre), sorted(pre)
text = open(rendered_prefixed).read()
for name in ("neuronguard-config", "neuronguard-tokens", "redis:6379"):
    assert re.search(r"(?<![A-Za-z0-9-])" + re.escape(name), text.replace(prefix + name, "")) is None, f"{name} left without the prefix"
alerts = pre[("ConfigMap", prefix + "neuronguard-alerts")]["data"]["alerts.yml"]
shipped = open(os.path.join(root, "deploy/prometheus/alerts.yml")).read()
assert alerts.rstrip("\n") == shipped.replace('job="neuronguard"', 'job="prefixed-job"').replace("expr: vector(0.025)", "expr: vector(0.5)").rstrip("\n"), "alerts.yml differs"
open(alerts_out, "w").write(alerts)

print(f"  helm (rendered by deploy/test/helmrender, no helm binary here): {len(rendered)} objects equal deploy/k8s; "
      f"{len(used)} .Values paths resolve; standalone TLS example renders {len(alone)} objects; an overridden token renders "
      f"its hash; the demo example turns the fixture on; namePrefix prefixes every name; the alert rules render with their settings")
