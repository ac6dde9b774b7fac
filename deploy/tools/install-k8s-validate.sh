#!/usr/bin/env bash
# Builds deploy/tools/k8s-validate (offline validation of rendered Kubernetes manifests) into a
# cache outside the repository and prints the binary's path on stdout. The cache key is a hash
# of its sources, go.mod and go.sum, so an edit rebuilds it and an unchanged tree reuses it.
# Its dependencies (k8s.io/api, k8s.io/apimachinery, sigs.k8s.io/yaml and sigs.k8s.io/json)
# are the versions the pinned Helm is built with, so after install-helm.sh they are already
# downloaded and compiled.
#
#   VALIDATE=$(deploy/tools/install-k8s-validate.sh)
#   helm template ... | "$VALIDATE" [--json]
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/k8s-validate" && pwd)
tools_dir=${SLUICE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/bin}
key=$(cd "$src" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
bin=$tools_dir/k8s-validate-$key/k8s-validate

if [ -x "$bin" ]; then
  printf '%s\n' "$bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-k8s-validate: Go is not on PATH; install Go >= 1.26 (its go.mod needs it)" >&2
  exit 1
fi
echo "install-k8s-validate: building k8s-validate into ${bin%/*}" >&2
started=$SECONDS
mkdir -p "${bin%/*}"
# Same flags as install-helm.sh, so the shared packages come from Go's build cache.
(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .) >&2
mv "$bin.tmp" "$bin"
# Builds of older sources are of no further use.
for old in "$tools_dir"/k8s-validate-*; do
  [ "$old" = "${bin%/*}" ] || rm -rf "$old"
done
echo "install-k8s-validate: ready in $((SECONDS - started))s" >&2
printf '%s\n' "$bin"
