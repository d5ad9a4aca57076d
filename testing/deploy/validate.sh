#!/usr/bin/env bash
# Validates the deployment files offline: renders every overlay under
# deploy/overlays/ with kustomize, then validate.py checks the objects
# against the Kubernetes JSON schemas (kubernetes-validate, pinned below,
# strict), KEDA's CRD schemas and compose.yaml against the compose-spec
# schema (both vendored in schemas/), and asserts what the deployment
# promises (non-root, read-only root filesystems, a ScaledObject per worker
# role, grace periods, every secret key in deploy/examples/, ...).
#   usage: validate.sh [ROOT]     (default: this checkout; another copy to
#                                  try a change without touching this one)
# Needs kustomize v5 (`kustomize`, or the one in `kubectl kustomize`, as in
# kubectl 1.27 and later): Debian's kubernetes-client (kubectl 1.20, with
# kustomize 2) understands neither components nor labels. About 5 seconds
# once the virtualenv exists.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "${1:-$HERE/../..}" && pwd)
. "$HERE/../servers/lib.sh"

# kubernetes-validate ships the Kubernetes schemas; jsonschema checks KEDA's
# and compose's; PyYAML reads them all.
VENV=$KILN_TEST_CACHE/deploy-validate-venv
make_venv "$VENV" kubernetes-validate==1.37.0 jsonschema==4.26.0 pyyaml==6.0.3

kustomize_version() { sed -n 's/.*\(v[0-9][0-9.]*\).*/\1/p' | head -1; }
if command -v kustomize >/dev/null && [[ $(kustomize version 2>/dev/null | kustomize_version) == v5* ]]; then
  render() { kustomize build "$1"; }
  echo "kustomize $(kustomize version | kustomize_version)"
elif command -v kubectl >/dev/null &&
  [[ $(kubectl version --client 2>/dev/null | grep -i kustomize | kustomize_version) == v5* ]]; then
  render() { kubectl kustomize "$1"; }
  echo "kubectl kustomize $(kubectl version --client | grep -i kustomize | kustomize_version)"
else
  echo "validate.sh: needs kustomize v5: \`kustomize\` or \`kubectl\` 1.27+ (Debian's kubernetes-client 1.20 is too old)" >&2
  exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
rendered=()
for dir in "$ROOT"/deploy/overlays/*/; do
  overlay=$(basename "$dir")
  render "$dir" >"$WORK/$overlay.yaml"
  rendered+=("$overlay=$WORK/$overlay.yaml")
done
[ ${#rendered[@]} -gt 0 ] || { echo "validate.sh: no overlays under $ROOT/deploy/overlays" >&2; exit 1; }
"$VENV/bin/python" "$HERE/validate.py" "$ROOT" "${rendered[@]}"
