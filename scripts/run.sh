#!/usr/bin/env bash
# make run: the CSMS on its embedded default (SQLite under data/) with the simulator's Gijón
# demo fleet connected to it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p csms -p simulator
token=${CSMS_OPERATOR_TOKEN:-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}
export CSMS_OPERATOR_TOKEN=$token
# --payments test: card top-ups are credited without collecting anything (a demo has no bank).
target/debug/csms --auto-register --payments test --metrics-addr 127.0.0.1:9464 &
csms=$!
fleet=""
trap 'kill $fleet $csms 2>/dev/null; wait' EXIT INT TERM
for _ in $(seq 1 100); do
    curl -fsS localhost:8080/healthz >/dev/null 2>&1 && break
    sleep 0.2
done
# The demo fleet's charge points (place, connectors) and its drivers' id tags.
target/debug/simulator plan --scenario scenarios/gijon.toml |
    while read -r path body; do
        curl -fsS -o /dev/null -X PUT "localhost:8080$path" -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' -d "$body"
    done
target/debug/simulator fleet --csms ws://localhost:9000/ocpp --scenario scenarios/gijon.toml &
fleet=$!
cat <<MSG

  CITERE CSMS is running with the Gijón demo fleet.
  Web page:       http://localhost:8080/
  Operator API:   http://localhost:8080/api/v1/operator/…  (Authorization: Bearer $token)
  OCPP endpoint:  ws://localhost:9000/ocpp/{chargePointId}
  Metrics:        http://localhost:9464/metrics   (Grafana: see grafana/README.md)

MSG
wait $csms
