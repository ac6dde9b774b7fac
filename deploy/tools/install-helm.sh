#!/usr/bin/env bash
# Installs the pinned Helm from source through the Go module proxy (no release download is
# needed, so it works where only package registries are reachable) into a cache outside the
# repository, and prints the binary's path on stdout. A second run finds the cached binary
# and returns at once.
#
#   HELM=$(deploy/tools/install-helm.sh)      # then: "$HELM" version
#
# Environment: HELM_VERSION (default below), SLUICE_TOOLS_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/sluice/bin). Needs Go on PATH: Helm 3.22 declares go 1.26, and an
# older Go (1.21+) fetches that toolchain through the same module proxy by itself.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
# The Kubernetes minor that Helm assumes when no cluster is asked (`helm template`, `helm lint`):
# its release builds take it from their k8s.io/client-go (v0.37.x for Helm 3.22 -> 1.37); a plain
# `go install` would leave Helm's fallback, 1.20, below this chart's kubeVersion. Change both
# pins together.
HELM_K8S_MINOR=${HELM_K8S_MINOR:-37}
tools_dir=${SLUICE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/bin}
# One directory per pin, so that changing either never reuses a stale binary.
bin_dir=$tools_dir/helm-$HELM_VERSION-kube1.$HELM_K8S_MINOR
helm=$bin_dir/helm

if [ -x "$helm" ] && [ "$("$helm" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]; then
  printf '%s\n' "$helm"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: Go is not on PATH; install Go 1.21 or later (it fetches the 1.26 toolchain Helm needs)" >&2
  exit 1
fi

echo "install-helm: building helm $HELM_VERSION from the Go module proxy into $bin_dir (first run only, a few minutes)" >&2
mkdir -p "$bin_dir"
started=$SECONDS
# The -X flags are those of Helm's own Makefile: the version `helm version` reports and the
# default Kubernetes version of template and lint. -s -w drop debug tables (a shorter link).
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in pkg/chartutil pkg/lint/rules; do
  ldflags="$ldflags -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done
CGO_ENABLED=0 GOBIN=$bin_dir go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2

got=$("$helm" version --template '{{.Version}}')
if [ "$got" != "$HELM_VERSION" ]; then
  echo "install-helm: built helm reports $got, expected $HELM_VERSION" >&2
  exit 1
fi
echo "install-helm: helm $HELM_VERSION ready in $((SECONDS - started))s" >&2
printf '%s\n' "$helm"
