#!/usr/bin/env bash
# Create benches/peers/openfisca/.venv (if missing) and install requirements.txt into it.
# Prints one line (the venv's python) on success; errors go to stderr, exit non-zero.
# PYTHON=/path/to/python3 picks the interpreter used to create the venv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.installed"

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
# Skip pip (and the network) when this exact requirements.txt is already installed.
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi
echo "openfisca peer ready: $venv/bin/python"
