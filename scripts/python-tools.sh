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
if ! "$VENV/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check openapi-spec-validator >&2 \
    || { echo "cannot install openapi-spec-validator from PyPI" >&2; exit 1; }
fi
echo "$PWD/$VENV/bin"
