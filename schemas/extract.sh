#!/usr/bin/env bash
# Extracts the official OCPP JSON schemas from the pinned PyPI package `ocpp` into schemas/.
# Run from anywhere; it rewrites schemas/v16 and schemas/v201 in place.
set -euo pipefail
OCPP_VERSION=2.1.0
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" "ocpp==${OCPP_VERSION}"
python3 - "$tmp"/ocpp-"${OCPP_VERSION}"-*.whl "$here" <<'PY'
import sys, zipfile, pathlib
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
for version in ("v16", "v201"):
    target = out / version
    target.mkdir(exist_ok=True)
    for old in target.glob("*.json"):
        old.unlink()
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        parts = name.split("/")
        if len(parts) == 4 and parts[0] == "ocpp" and parts[1] in ("v16", "v201") \
                and parts[2] == "schemas" and parts[3].endswith(".json"):
            (out / parts[1] / parts[3]).write_bytes(z.read(name))
PY
echo "extracted $(ls "$here"/v16 | wc -l) OCPP 1.6 and $(ls "$here"/v201 | wc -l) OCPP 2.0.1 schemas from ocpp==${OCPP_VERSION}"
