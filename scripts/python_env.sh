#!/usr/bin/env bash
# Prints the path of a Python with examples/requirements.txt installed (a venv under target/),
# creating it on first use. Prints nothing and exits 1 when python3 or the packages are missing,
# so callers can skip with a clear line instead of failing on a machine without Python.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=target/python-env
command -v python3 >/dev/null 2>&1 || { echo "python3 not found" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ] || ! cmp -s examples/requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv" >&2 || { echo "cannot create a venv" >&2; exit 1; }
  timeout 300 "$venv/bin/pip" install -q -r examples/requirements.txt >&2 \
    || { echo "pip install -r examples/requirements.txt failed" >&2; exit 1; }
  cp examples/requirements.txt "$venv/requirements.txt"
fi
echo "$PWD/$venv/bin/python"
