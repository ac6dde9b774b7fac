#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/sluice with no cluster and no network beyond the Go module
# proxy (and that only on the first run):
#   1. installs the pinned helm and builds k8s-validate (deploy/tools/, cached outside the repo);
#   2. helm lint --strict, for the default values and every file in sluice/examples/, and
#      helm package;
#   3. helm template for the same, each output validated offline by k8s-validate (strict
#      decoding into the Kubernetes types, selectors, ports, references, hook ordering);
#   4. assert-manifests.js: what matters about the rendered manifests, over many value sets.
# Ends with the line "helm: N passed, M failed" and exits non-zero when anything failed.
#
#   bash deploy/helm/test-chart.sh            KUBE_VERSION=1.25.0 by default (the chart's minimum)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
chart=$here/sluice
kube_version=${KUBE_VERSION:-1.25.0}
started=$SECONDS
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

finish() {
  echo "helm chart checks took $((SECONDS - started))s"
  echo "helm: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# check NAME COMMAND...: runs the command quietly; on failure shows its output.
check() {
  local name=$1
  shift
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
    echo "  ok    $name"
  else
    failed=$((failed + 1))
    echo "  FAIL  $name"
    sed 's/^/        /' "$work/out" | tail -40
  fi
}

# render_to FILE HELM_ARGS...: helm template into FILE (called through check).
# shellcheck disable=SC2317
render_to() {
  local out=$1
  shift
  "$helm" template sluice "$chart" --namespace sluice --kube-version "$kube_version" "$@" >"$out"
}

echo "== tools"
if ! helm=$(bash "$root/deploy/tools/install-helm.sh"); then
  failed=$((failed + 1))
  echo "  FAIL  install helm"
  finish
fi
passed=$((passed + 1))
echo "  ok    helm $("$helm" version --template '{{.Version}}') at $helm"
if ! validate=$(bash "$root/deploy/tools/install-k8s-validate.sh"); then
  failed=$((failed + 1))
  echo "  FAIL  build k8s-validate"
  finish
fi
passed=$((passed + 1))
echo "  ok    k8s-validate at $validate"

echo "== lint, template and offline validation (Kubernetes $kube_version)"
cases=("default:")
for file in "$chart"/examples/*.yaml; do
  cases+=("examples/${file##*/}:$file")
done
for entry in "${cases[@]}"; do
  name=${entry%%:*}
  file=${entry#*:}
  args=()
  [ -n "$file" ] && args=(-f "$file")
  check "helm lint --strict ($name)" "$helm" lint --strict "$chart" --kube-version "$kube_version" "${args[@]}"
  out="$work/${name//\//_}.yaml"
  check "helm template ($name)" render_to "$out" "${args[@]}"
  check "k8s-validate ($name)" "$validate" "$out"
done

check "helm package" "$helm" package "$chart" --destination "$work"

echo "== assertions on the rendered manifests"
HELM=$helm VALIDATE=$validate KUBE_VERSION=$kube_version RESULTS="$work/results" node "$here/assert-manifests.js"
if [ -s "$work/results" ]; then
  read -r p f <"$work/results"
  passed=$((passed + p))
  failed=$((failed + f))
else
  failed=$((failed + 1))
  echo "  FAIL  assert-manifests.js did not finish"
fi

finish
