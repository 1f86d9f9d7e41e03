# Cases without containers (sourced by run.sh): the systemd unit, the Grafana provisioning files, the Helm chart.

test_systemd_unit() {
  local root=$WORK/systemd-root out
  mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/opt/neuronguard"
  cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/" # the targets the unit refers to
  cp "$ROOT/deploy/systemd/neuronguard.service" "$root/etc/systemd/system/"
  # verify checks that ExecStart's program exists and is executable under the root.
  printf '#!/bin/sh\n' >"$root/opt/neuronguard/neuronguard"
  chmod +x "$root/opt/neuronguard/neuronguard"
  # Any output is a finding (unknown keys, bad values are warnings with exit status 0).
  out=$(systemd-analyze verify --root="$root" /etc/systemd/system/neuronguard.service 2>&1) && [ -z "$out" ] ||
    { echo "$out"; fail_ "systemd-analyze verify"; return 1; }
  # The hardening keeps the exposure score "OK" (below 2.0 on systemd's 0-10 scale).
  out=$(systemd-analyze security --offline=true --root="$root" "$root/etc/systemd/system/neuronguard.service" 2>&1 | grep 'Overall exposure level')
  awk '{ exit !($(NF-2) + 0 < 2.0) }' <<<"$out" || { echo "$out"; fail_ "exposure level"; return 1; }
  grep -q '^DynamicUser=yes' "$ROOT/deploy/systemd/neuronguard.service" && grep -q '^Restart=on-failure' "$ROOT/deploy/systemd/neuronguard.service" ||
    { fail_ "dedicated user or restart policy missing"; return 1; }
}

test_grafana_provisioning() {
  /usr/bin/python3 - "$ROOT" <<'PY'
import glob, json, os, sys, yaml
root = sys.argv[1]
compose_dir = os.path.join(root, "deploy/compose")
stack = yaml.safe_load(open(os.path.join(compose_dir, "compose.yml")))
grafana = yaml.safe_load(open(os.path.join(compose_dir, "compose.grafana.yml")))["services"]["grafana"]
mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in grafana["volumes"])
prov = os.path.normpath(os.path.join(compose_dir, [h for h, c in mounts.items() if c == "/etc/grafana/provisioning"][0]))
dash_host, dash_target = [(os.path.normpath(os.path.join(compose_dir, h)), c) for h, c in mounts.items() if c != "/etc/grafana/provisioning"][0]
ds = yaml.safe_load(open(os.path.join(prov, "datasources/prometheus.yml")))
assert ds["apiVersion"] == 1, "datasources apiVersion"
(source,) = ds["datasources"]
assert source["type"] == "prometheus", source
port = stack["services"]["prometheus"]["command"][-1].rsplit(":", 1)[1]
assert source["url"] == f"http://prometheus:{port}", f"datasource url {source['url']} is not the compose Prometheus (port {port})"
providers = yaml.safe_load(open(os.path.join(prov, "dashboards/neuronguard.yml")))
assert providers["apiVersion"] == 1
(provider,) = providers["providers"]
assert provider["type"] == "file" and provider["options"]["path"] == dash_target, (provider, dash_target)
files = sorted(glob.glob(os.path.join(dash_host, "*.json")))
assert files, f"no dashboards under {dash_host}"
for f in files:
    d = json.load(open(f))
    assert d.get("title") and d.get("panels"), f"{f}: not a dashboard"
    variables = [v for v in d.get("templating", {}).get("list", []) if v.get("type") == "datasource"]
    assert variables and all(v.get("query") == "prometheus" for v in variables), f"{f}: no Prometheus datasource variable"
print(f"  provisioning: datasource {source['url']}, {len(files)} dashboards from {os.path.relpath(dash_host, root)}")
PY
}

# build_helmrender: $WORK/helmrender, once per run. Offline build against Debian's Go packages
# (golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v2-dev).
build_helmrender() {
  [ -x "$WORK/helmrender" ] && return 0
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$WORK/gocache GOPROXY=off \
    go build -o "$WORK/helmrender" "$TESTS/helmrender/main.go"
}

test_helm_rendering() {
  build_helmrender || { fail_ "building deploy/test/helmrender"; return 1; }
  local chart=$ROOT/deploy/helm/neuronguard token
  "$WORK/helmrender" "$chart" >"$WORK/helm-default.yaml" || { fail_ "rendering the defaults"; return 1; }
  "$WORK/helmrender" "$chart" "$ROOT/deploy/helm/examples/standalone-tls.yaml" >"$WORK/helm-standalone.yaml" ||
    { fail_ "rendering the standalone TLS example"; return 1; }
  # What `--set auth.secret.ingestToken=...` gives: the config's hash must follow the Secret's value.
  token=ng-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf 'auth:\n  secret:\n    ingestToken: %s\n' "$token" >"$WORK/helm-token-values.yaml"
  "$WORK/helmrender" "$chart" "$WORK/helm-token-values.yaml" >"$WORK/helm-token.yaml" || { fail_ "rendering with an overridden token"; return 1; }
  "$WORK/helmrender" "$chart" "$ROOT/deploy/helm/examples/demo.yaml" >"$WORK/helm-demo.yaml" || { fail_ "rendering the demo example"; return 1; }
  # Two releases side by side: a name prefix, and the alert rules with a job name and budget of their own.
  printf 'namePrefix: t1-\nalerts:\n  enabled: true\n  job: prefixed-job\n  verdictLatencyBudgetSeconds: 0.5\n' >"$WORK/helm-prefix-values.yaml"
  "$WORK/helmrender" "$chart" "$WORK/helm-prefix-values.yaml" >"$WORK/helm-prefixed.yaml" || { fail_ "rendering with a name prefix"; return 1; }
  /usr/bin/python3 "$TESTS/helm_check.py" "$ROOT" "$WORK/helm-default.yaml" "$WORK/helm-standalone.yaml" "$WORK/helm-token.yaml" "$token" \
    "$WORK/helm-demo.yaml" "$WORK/helm-prefixed.yaml" t1- "$WORK/helm-alerts.yml" || return 1
  promtool check rules "$WORK/helm-alerts.yml" >/dev/null || { promtool check rules "$WORK/helm-alerts.yml"; fail_ "the chart's alert rules"; return 1; }
}

test_files_used() {
  /usr/bin/python3 "$TESTS/files_used.py" "$ROOT"
}
