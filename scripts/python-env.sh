#!/usr/bin/env bash
# Creates .venv with what the Python sides of the tests use: the independent OCPP peer (the
# `ocpp` package and `websockets`) and Selenium for the browser test, all pinned in
# tests/interop/requirements.txt. Idempotent; reinstalls when the pins change.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=tests/interop/requirements.txt
stamp=.venv/.requirements
if [ -x .venv/bin/python ] && cmp -s "$requirements" "$stamp"; then
    exit 0
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "installing python3-venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
