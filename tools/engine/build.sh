#!/usr/bin/env bash
# Build the real Pulumi engine for `make e2e` from Go modules, once per version set, into a cache
# outside the work tree; print its folder (bin/: pulumi, the Python language host and its exec
# script; plugins/: the Kubernetes provider, installed by the tests with `pulumi plugin install`).
#
#   tools/engine/build.sh     # e.g. ~/.cache/nova-platform/engine/pulumi-v3.274.0-host-v3.68.0-k8s-f47bc2d6f199
#
# A cold build takes about 15 minutes on 2 cores; later calls return at once. Nothing
# downloaded or built lands in the repository. docs/e2e.md says why each version is the one here.
set -euo pipefail

# The CLI (pkg/v3): the release nearest the Python SDK in requirements.txt (3.272.0) that the
# Go module proxy serves (v3.270 to v3.273 of pkg/v3 are refused).
PULUMI_VERSION="v3.274.0"
# The Python language host. Since 2023 it is a module of its own
# (sdk/python/cmd/pulumi-language-python/v3), which the proxy refuses at every version; until
# then it was a package of sdk/v3: v3.79.0 is the last sdk/v3 that carries it (v3.80.0 has only
# the exec script; both checked with `go mod download`, 2026-12-08). v3.68.0 is the one built
# and proven here; its RunPlugin starts the program instead of a policy pack, so `make e2e` runs
# the pack as an executable plugin (policies/nova-guardrails), which needs no language host.
# The CLI still speaks to it: it falls back where the host predates an RPC (Handshake,
# GetRequiredPackages) and still sends the program's path and folder in Run.
LANGUAGE_HOST_VERSION="v3.68.0"
# The Kubernetes provider: the proxy serves provider/v4 at this one commit (2026-01-15), not at
# the release of the pulumi-kubernetes Python package we pin. It carries that package's version
# (KUBERNETES_PLUGIN_VERSION), so that the engine loads it for the program's resources.
KUBERNETES_PROVIDER_COMMIT="v4.0.0-20260115033456-f47bc2d6f199"
KUBERNETES_PLUGIN_VERSION="$(sed -n 's/^pulumi-kubernetes==//p' "$(dirname "$0")/../../requirements.txt")"

CACHE="${NOVA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nova-platform/engine}"
HOME_DIR="$CACHE/pulumi-$PULUMI_VERSION-host-$LANGUAGE_HOST_VERSION-k8s-${KUBERNETES_PROVIDER_COMMIT##*-}-as-$KUBERNETES_PLUGIN_VERSION"
BIN="$HOME_DIR/bin"
PLUGINS="$HOME_DIR/plugins"
if [ -x "$BIN/pulumi" ] && [ -x "$BIN/pulumi-language-python" ] && [ -x "$PLUGINS/pulumi-resource-kubernetes" ]; then
  echo "$HOME_DIR"
  exit 0
fi
command -v go >/dev/null || { echo "error: go is not installed (Go 1.26 builds the engine)" >&2; exit 2; }
mkdir -p "$HOME_DIR/cli" "$HOME_DIR/host" "$HOME_DIR/provider" "$BIN" "$PLUGINS"
export CGO_ENABLED=0
say() { echo "engine: $*" >&2; }
timed() {  # timed LABEL COMMAND...: run it, then say how long it took
  local label="$1" start=$SECONDS
  shift
  "$@"
  say "$label: $((SECONDS - start)) s"
}
resolve() {  # resolve MODULE_NAME PACKAGE@VERSION...: a build module that requires them, once
  if [ ! -f go.sum ]; then
    [ -f go.mod ] || printf 'module %s\n\ngo 1.26.0\n' "$1" > go.mod
    shift
    go get "$@" 2> go-get.log || { tail -n 20 go-get.log >&2; rm -f go.sum; exit 1; }
  fi
}

# pkg/go.mod replaces github.com/atotto/clipboard by a fork, which `go get` does not follow:
# the build module names the same fork.
cd "$HOME_DIR/cli"
if [ ! -f go.mod ]; then
  pkg_mod="$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  printf 'module nova/engine/cli\n\ngo 1.26.0\n\n' > go.mod
  grep '^replace github.com/atotto/clipboard ' "$pkg_mod" >> go.mod
fi
say "resolving the Pulumi CLI $PULUMI_VERSION"
resolve nova/engine/cli "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
say "building pulumi $PULUMI_VERSION (about 6 minutes cold on 2 cores)"
timed "pulumi" go build -trimpath -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$BIN/pulumi.tmp" "$BIN/pulumi"
# The exec script the host runs the program with, from the SDK release of the CLI.
sdk="$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')"
install -m 755 "$sdk/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"

cd "$HOME_DIR/host"
say "resolving the Python language host (sdk/v3 $LANGUAGE_HOST_VERSION)"
resolve nova/engine/host "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python@$LANGUAGE_HOST_VERSION"
timed "pulumi-language-python" go build -trimpath -o "$BIN/pulumi-language-python.tmp" \
  github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
mv "$BIN/pulumi-language-python.tmp" "$BIN/pulumi-language-python"

# The provider's main package embeds a versioned copy of its schema that is not in the module;
# its own generate.go writes it. The package is built from a copy inside the build module.
cd "$HOME_DIR/provider"
provider_module="github.com/pulumi/pulumi-kubernetes/provider/v4"
if [ ! -f go.mod ]; then
  # provider/go.mod replaces sdk/v4 by ../sdk; the build module names the version it requires.
  printf 'module nova/engine/provider\n\ngo 1.26.0\n\n' > go.mod
  echo "replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.24.0" >> go.mod
fi
say "resolving the Kubernetes provider ($provider_module@$KUBERNETES_PROVIDER_COMMIT)"
if [ ! -f go.sum ]; then
  source_dir="$(go mod download -json "$provider_module@$KUBERNETES_PROVIDER_COMMIT" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')"
  install -m 644 "$source_dir"/cmd/pulumi-resource-kubernetes/{main.go,generate.go,schema.json,terraform-mapping.json} .
fi
resolve nova/engine/provider "$provider_module@$KUBERNETES_PROVIDER_COMMIT"
go mod tidy 2> go-tidy.log || { tail -n 20 go-tidy.log >&2; exit 1; }  # generate.go's imports too
VERSION="$KUBERNETES_PLUGIN_VERSION" go run generate.go
say "building pulumi-resource-kubernetes (about 8 minutes cold on 2 cores)"
timed "pulumi-resource-kubernetes" go build -trimpath \
  -ldflags "-X $provider_module/pkg/version.Version=$KUBERNETES_PLUGIN_VERSION" -o "$PLUGINS/pulumi-resource-kubernetes.tmp" .
mv "$PLUGINS/pulumi-resource-kubernetes.tmp" "$PLUGINS/pulumi-resource-kubernetes"
echo "$HOME_DIR"
