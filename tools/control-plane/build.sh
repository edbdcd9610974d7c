#!/usr/bin/env bash
# Build a real Kubernetes control plane from Go modules, once per version set, into a cache
# outside the work tree; print the folder of the binaries: kube-apiserver, etcd, and for
# `pulumi up` kube-controller-manager, kube-scheduler and kwok (nodes and pods without a kubelet).
#
#   tools/control-plane/build.sh   # e.g. ~/.cache/nova-platform/control-plane/k8s-v1.37.2-etcd-v3.7.3-kwok-v0.8.0/bin
#
# A cold build takes about 12 minutes on 2 cores (kube-apiserver is most of it); later calls
# return at once. Nothing downloaded or built lands in the repository.
set -euo pipefail

KUBERNETES_VERSION="v1.37.2"  # k8s.io/kubernetes; its staging modules are k8s.io/* v0.37.2
ETCD_VERSION="v3.7.3"         # go.etcd.io/etcd/server/v3
KWOK_VERSION="v0.8.0"         # sigs.k8s.io/kwok
STAGING_VERSION="v0${KUBERNETES_VERSION#v1}"

CACHE="${NOVA_CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nova-platform/control-plane}"
HOME_DIR="$CACHE/k8s-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
BIN="$HOME_DIR/bin"
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)
built() {
  for name in "${COMPONENTS[@]}" etcd kwok; do [ -x "$BIN/$name" ] || return 1; done
  [ -f "$BIN/kwok-stages.yaml" ]
}
if built; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { echo "error: go is not installed (Go 1.26 builds the control plane)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "error: openssl is not installed (the tests make the API server's keys)" >&2; exit 2; }
mkdir -p "$HOME_DIR/apiserver" "$HOME_DIR/etcd" "$HOME_DIR/kwok" "$BIN"
say() { echo "control-plane: $*" >&2; }

# k8s.io/kubernetes is not meant to be required as a module: its go.mod points every staging
# module (k8s.io/api, k8s.io/apiserver, ...) at ./staging. Those modules are published at the
# matching v0 version, so a build module replaces each of them by that version.
cd "$HOME_DIR/apiserver"
if [ ! -f go.sum ]; then
  say "resolving k8s.io/kubernetes $KUBERNETES_VERSION (go get; its staging modules at $STAGING_VERSION)"
  printf 'module nova/controlplane/apiserver\n\ngo 1.26.0\n' > go.mod
  upstream="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  sed -n '/^replace (/,/^)/p' "$upstream" | awk -v version="$STAGING_VERSION" \
    '$2 == "=>" { print "replace " $1 " => " $1 " " version }' >> go.mod
  packages=("${COMPONENTS[@]/#/k8s.io/kubernetes/cmd/}")
  go get "${packages[@]/%/@$KUBERNETES_VERSION}" 2> go-get.log || { tail -n 20 go-get.log >&2; rm -f go.sum; exit 1; }
fi
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
version_flags="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION"
version_flags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
for name in "${COMPONENTS[@]}"; do
  say "building $name $KUBERNETES_VERSION (kube-apiserver about 7 minutes cold on 2 cores, the others less)"
  go build -trimpath -ldflags "$version_flags" -o "$BIN/$name.tmp" "k8s.io/kubernetes/cmd/$name" >&2
  mv "$BIN/$name.tmp" "$BIN/$name"
done

# etcd and kwok each in a build module of its own, at the versions their release chose.
build_from_module() {  # build_from_module NAME PACKAGE VERSION
  local name="$1" package="$2" version="$3"
  cd "$HOME_DIR/$name"
  if [ ! -f go.sum ]; then
    say "resolving $package $version"
    printf 'module nova/controlplane/%s\n\ngo 1.26.0\n' "$name" > go.mod
    go get "$package@$version" 2> go-get.log || { tail -n 20 go-get.log >&2; rm -f go.sum; exit 1; }
  fi
  say "building $name $version"
  CGO_ENABLED=0 go build -trimpath -o "$BIN/$name.tmp" "$package"
  mv "$BIN/$name.tmp" "$BIN/$name"
}
build_from_module etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
build_from_module kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"

# kwok runs no stage of its own accord: its release's `fast` stages make nodes ready (and keep
# them so), pods ready with an address, a Job's pods succeed, and deleted pods go.
kwok_dir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')"
for stage in node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready pod/fast/pod-complete \
  pod/fast/pod-delete; do
  echo "---"
  cat "$kwok_dir/kustomize/stage/$stage.yaml"
done > "$BIN/kwok-stages.yaml"
echo "$BIN"
