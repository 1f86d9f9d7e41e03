#!/usr/bin/env bash
# Builds the local stand-in for mcr.microsoft.com/dotnet/runtime-deps:10.0 (no registry is reachable here):
# a Debian bookworm minbase root with what a self-contained .NET app needs (InvariantGlobalization is on, so no ICU),
# imported into podman. The root file system is cached as a tar keyed by this recipe, so a machine pays the
# debootstrap (2-3 min) once; a fresh machine builds it. Prints the image name.
set -euo pipefail
SUITE=bookworm
INCLUDE=ca-certificates,libssl3,zlib1g,libstdc++6,tzdata
MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${NEURONGUARD_DEPLOY_CACHE:-/var/tmp/neuronguard-deploy-cache}
KEY=$(printf '%s\n' "minbase $SUITE $INCLUDE $MIRROR v1" | sha256sum | cut -c1-12)
IMAGE=localhost/neuronguard-base:$SUITE-$KEY
TAR=$CACHE/base-$SUITE-$KEY.tar

mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9 # two runs on one machine build it once
if ! podman image exists "$IMAGE"; then
  if [ ! -s "$TAR" ]; then
    root=$(mktemp -d "$CACHE/root.XXXXXX")
    # debootstrap can leave /proc (and more) mounted in the new root (it does in this sandbox): unmount before tar or
    # rm ever walk it, also when a step fails.
    unmount_root() { local m; for m in dev/pts sys proc; do if mountpoint -q "$root/$m"; then umount "$root/$m"; fi; done; }
    trap unmount_root EXIT
    echo "base-image: debootstrap --variant=minbase $SUITE (first run on this machine, 2-3 min)" >&2
    debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 ||
      { tail -n 20 "$root.log" >&2; exit 1; }
    unmount_root
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/*
    tar --one-file-system -C "$root" -cf "$TAR.part" .
    mv "$TAR.part" "$TAR"
    rm -rf --one-file-system "$root" "$root.log"
  fi
  podman import --quiet "$TAR" "$IMAGE" >/dev/null
fi
echo "$IMAGE"
