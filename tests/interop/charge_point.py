"""A charge point built on the independent Python `ocpp` library (not ours), driven by the
interop tests in `tests/tests/interop.rs`. It boots, authorizes, runs one transaction, then
answers operator commands until its standard input closes. Every step is printed to stdout
as one JSON line, so the Rust test can check what the library saw.

Usage: charge_point.py URL CHARGE_POINT_ID ID_TAG [PASSWORD]
"""

import asyncio
import base64
import json
import sys
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, ConfigurationStatus


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def zoneless_now():
    # Real chargers often send local-looking times without a zone; the CSMS reads them as UTC.
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


class InteropChargePoint(ChargePoint):
    configuration = {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60"}

    @on(Action.get_configuration)
    def on_get_configuration(self, key=None, **kwargs):
        keys = key or list(self.configuration)
        known = [k for k in keys if k in self.configuration]
        report("getConfiguration", keys=keys)
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": k, "readonly": False, "value": self.configuration[k]} for k in known
            ],
            unknown_key=[k for k in keys if k not in self.configuration] or None,
        )

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value, **kwargs):
        self.configuration[key] = value
        report("changeConfiguration", key=key, value=value)
        return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)


async def session(cp, id_tag):
    boot = await cp.call(
        call.BootNotification(charge_point_model="Interop-1", charge_point_vendor="PyOCPP")
    )
    report("boot", status=boot.status, interval=boot.interval)

    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
    )
    report("status")

    auth = await cp.call(call.Authorize(id_tag=id_tag))
    report("authorize", status=auth.id_tag_info["status"])

    start = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag=id_tag, meter_start=1000, timestamp=zoneless_now()
        )
    )
    tx = start.transaction_id
    report("start", transactionId=tx, status=start.id_tag_info["status"])

    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[
                {
                    "timestamp": zoneless_now(),
                    "sampledValue": [
                        {"value": "2200", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": "11.5", "measurand": "Power.Active.Import", "unit": "kW"},
                    ],
                }
            ],
        )
    )
    report("meterValues")

    stop = await cp.call(
        call.StopTransaction(
            meter_stop=3500,
            timestamp=datetime.now(timezone.utc).isoformat(),
            transaction_id=tx,
            id_tag=id_tag,
            reason="Local",
        )
    )
    report("stop", status=(stop.id_tag_info or {}).get("status"))

    beat = await cp.call(call.Heartbeat())
    report("heartbeat", currentTime=beat.current_time)
    report("ready")


async def main():
    url, cp_id, id_tag = sys.argv[1], sys.argv[2], sys.argv[3]
    headers = {}
    if len(sys.argv) > 4:
        token = base64.b64encode(f"{cp_id}:{sys.argv[4]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    async with websockets.connect(
        f"{url}/{cp_id}", subprotocols=["ocpp1.6"], additional_headers=headers
    ) as ws:
        report("connected", subprotocol=ws.subprotocol)
        cp = InteropChargePoint(cp_id, ws)
        runner = asyncio.create_task(cp.start())
        try:
            await session(cp, id_tag)
            # Serve operator commands until the test closes our standard input.
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        finally:
            runner.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # the test reads the failure from stdout
        report("error", error=repr(e))
        sys.exit(1)
