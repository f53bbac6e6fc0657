#!/usr/bin/env bash
# Installs Debian's Prometheus when missing: the dashboards' test runs every query against it.
set -euo pipefail
if ! command -v prometheus >/dev/null 2>&1; then
    echo "installing prometheus"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
