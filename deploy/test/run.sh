#!/usr/bin/env bash
# Deploy tests: builds and runs what deploy/ holds. The systemd unit and the Grafana and Helm files are checked
# without containers; the image, the compose stack and the Kubernetes manifests run under podman (rootful, with
# deploy/test/containers.conf). Where podman cannot run, the container cases are skipped with one line.
# Ends with "deploy tests: N passed, N failed, N skipped"; exits 1 when a case failed. Run from anywhere, as root.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
TESTS=$ROOT/deploy/test
source "$TESTS/lib.sh"
export CONTAINERS_CONF=$TESTS/containers.conf

PACKAGES=(podman runc podman-compose debootstrap systemd python3-yaml curl jq redis-server prometheus
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deploy: installing Debian packages: ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /var/tmp/neuronguard-deploy-test.XXXXXX)
PREFIX=ngdeploy$$
IMAGE=localhost/neuronguard:dev        # the name deploy/compose and deploy/k8s refer to
PEERS=localhost/neuronguard-test-peers:dev
PUB=$WORK/context/publish
CLEANUPS=()
cleanup() {
  local c
  for c in "${CLEANUPS[@]}"; do eval "$c" >/dev/null 2>&1; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

source "$TESTS/static.sh"
case_ "systemd unit passes systemd-analyze verify and is hardened" test_systemd_unit
case_ "Grafana provisioning files fit the compose stack and the dashboards (no Grafana here: structure only)" test_grafana_provisioning
case_ "every file in deploy/ is used by a test" test_files_used
case_ "Helm chart renders deploy/k8s from its defaults and the standalone TLS example (helmrender: no helm binary here)" test_helm_rendering

# The local base image and the published CLI the image is built from.
setup_containers() {
  BASE=$("$TESTS/base-image.sh") || { echo "deploy: building the base image failed"; return 1; }
  echo "deploy: base image $BASE; publishing the CLI (self-contained linux-x64)"
  mkdir -p "$WORK/context"
  cp "$ROOT/deploy/image/neuronguard.json" "$WORK/context/"
  dotnet publish "$ROOT/src/NeuronGuard.Cli" -c Release -r linux-x64 --self-contained -o "$PUB" --nologo -v quiet >"$WORK/publish.log" 2>&1 ||
    { tail -n 30 "$WORK/publish.log"; echo "deploy: dotnet publish failed"; return 1; }
}

CONTAINER_CASES=("image builds" "image serves" "generate in the container" "SIGTERM drains" "compose stack" "kube play sidecar")
if ! podman info >/dev/null 2>&1; then
  echo "deploy: podman cannot run on this machine ($(podman info 2>&1 | tail -n1)); skipping the container cases"
  for c in "${CONTAINER_CASES[@]}"; do skip_ "$c" "podman cannot run"; done
else
  if ! setup_containers; then
    for c in "${CONTAINER_CASES[@]}"; do case_ "$c" false; done
  else
    source "$TESTS/image.sh"
    source "$TESTS/compose.sh"
    source "$TESTS/kube.sh"
    case_ "image builds: non-root, volume, STOPSIGNAL, ports, OCI labels, no settings in ENV" test_image_build
    case_ "image serves: gRPC health SERVING from the host, /metrics, exec probe, read-only root" test_image_serves
    case_ "generate in the container: the trigger prompt is flagged" test_image_generate
    case_ "SIGTERM drains: in-flight watch ends, daemon exits 0" test_image_sigterm
    case_ "compose stack: daemon on Redis, Prometheus scrapes it up and loads every alert rule, all torn down" test_compose
    case_ "kube play sidecar: model server reaches the daemon over pod localhost, request flagged, all torn down" test_kube
  fi
fi

echo "deploy tests: $PASSED passed, $FAILED failed, $SKIPPED skipped"
((FAILED == 0))
