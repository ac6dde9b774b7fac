#!/usr/bin/env bash
# Installs the pinned Helm from source through the Go module proxy (no release download is
# needed, so it works where only package registries are reachable) into a cache outside the
# repository, and prints the binary's path on stdout. A second run finds the cached binary
# and returns at once.
#
#   HELM=$(deploy/tools/install-helm.sh)      # then: "$HELM" version
#
# Environment: HELM_VERSION (default below), SLUICE_TOOLS_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/sluice/bin). Needs Go >= 1.24 on PATH.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
tools_dir=${SLUICE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/bin}
# One directory per version, so that changing the pin never reuses a stale binary.
bin_dir=$tools_dir/helm-$HELM_VERSION
helm=$bin_dir/helm

if [ -x "$helm" ] && [ "$("$helm" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]; then
  printf '%s\n' "$helm"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: Go is not on PATH; install Go >= 1.24 (Debian: golang-1.24 from bookworm-backports, or go.dev)" >&2
  exit 1
fi

echo "install-helm: building helm $HELM_VERSION from the Go module proxy into $bin_dir (first run only, a few minutes)" >&2
mkdir -p "$bin_dir"
started=$SECONDS
# -X sets the version `helm version` reports (helm's own Makefile does the same); -s -w drop
# debug tables, which shortens the link. CGO is not needed.
CGO_ENABLED=0 GOBIN=$bin_dir GOFLAGS=${GOFLAGS:-} go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2

got=$("$helm" version --template '{{.Version}}')
if [ "$got" != "$HELM_VERSION" ]; then
  echo "install-helm: built helm reports $got, expected $HELM_VERSION" >&2
  exit 1
fi
echo "install-helm: helm $HELM_VERSION ready in $((SECONDS - started))s" >&2
printf '%s\n' "$helm"
