"""A charging station on OCPP 2.0.1, built on the independent Python `ocpp` library (not ours),
driven by `tests/tests/interop_201.rs`. It boots, reports its EVSE, authorizes a Green Card,
runs one transaction (Started, Updated, Ended, the Ended sent twice as a station retrying
would), then answers the operator's commands (GetVariables, SetVariables, ReserveNow,
CancelReservation) until its standard input closes. Every step is printed to stdout as
one JSON line, so the Rust test can check what the library saw. The library validates every
payload the CSMS sends it against the official 2.0.1 schemas.

Usage: charge_point_201.py URL STATION_ID ID_TOKEN PASSWORD
"""

import asyncio
import base64
import json
import sys
from datetime import datetime, timedelta, timezone

import websockets
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


START = datetime.now(timezone.utc) - timedelta(minutes=40)


def at(minutes):
    return (START + timedelta(minutes=minutes)).isoformat()


def energy(wh, context):
    return [
        {
            "timestamp": at(0),
            "sampled_value": [
                {
                    "value": wh,
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unit_of_measure": {"unit": "Wh"},
                }
            ],
        }
    ]


class InteropStation(ChargePoint):
    variables = {("OCPPCommCtrlr", "HeartbeatInterval"): "300"}

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data, **kwargs):
        results = []
        for item in get_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            known = key in self.variables
            result = {
                "attribute_status": "Accepted" if known else "UnknownVariable",
                "component": item["component"],
                "variable": item["variable"],
            }
            if known:
                result["attribute_value"] = self.variables[key]
            results.append(result)
        report("getVariables", keys=[list(k) for k in [(i["component"]["name"], i["variable"]["name"]) for i in get_variable_data]])
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data, **kwargs):
        results = []
        for item in set_variable_data:
            key = (item["component"]["name"], item["variable"]["name"])
            self.variables[key] = item["attribute_value"]
            results.append(
                {
                    "attribute_status": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
            report("setVariable", key=list(key), value=item["attribute_value"])
        return call_result.SetVariables(set_variable_result=results)

    @on(Action.reserve_now)
    def on_reserve_now(self, id, expiry_date_time, id_token, evse_id=None, **kwargs):
        report("reserveNow", id=id, evseId=evse_id, idToken=id_token)
        return call_result.ReserveNow(status="Accepted")

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id, **kwargs):
        report("cancelReservation", id=reservation_id)
        return call_result.CancelReservation(status="Accepted")


async def session(cs, id_token):
    boot = await cs.call(
        call.BootNotification(
            charging_station={"model": "Interop-201", "vendor_name": "PyOCPP"},
            reason="PowerUp",
        )
    )
    report("boot", status=boot.status, interval=boot.interval)
    await cs.call(
        call.StatusNotification(
            timestamp=at(0), connector_status="Available", evse_id=1, connector_id=1
        )
    )
    report("status")
    token = {"id_token": id_token, "type": "ISO14443"}
    auth = await cs.call(call.Authorize(id_token=token))
    report("authorize", status=auth.id_token_info["status"])

    started = await cs.call(
        call.TransactionEvent(
            event_type="Started",
            timestamp=at(0),
            trigger_reason="Authorized",
            seq_no=0,
            transaction_info={"transaction_id": "py-tx-1", "charging_state": "Charging"},
            id_token=token,
            evse={"id": 1, "connector_id": 1},
            meter_value=energy(1000, "Transaction.Begin"),
        )
    )
    report("started", status=started.id_token_info["status"])
    await cs.call(
        call.TransactionEvent(
            event_type="Updated",
            timestamp=at(10),
            trigger_reason="MeterValuePeriodic",
            seq_no=1,
            transaction_info={"transaction_id": "py-tx-1", "charging_state": "Charging"},
            meter_value=energy(3000, "Sample.Periodic"),
        )
    )
    report("updated")
    for attempt in range(2):
        ended = await cs.call(
            call.TransactionEvent(
                event_type="Ended",
                timestamp=at(20),
                trigger_reason="EVCommunicationLost",
                seq_no=2,
                transaction_info={"transaction_id": "py-tx-1", "stopped_reason": "EVDisconnected"},
                meter_value=energy(6000, "Transaction.End"),
            )
        )
        report("ended", attempt=attempt, totalCost=ended.total_cost)
    await cs.call(
        call.StatusNotification(
            timestamp=at(21), connector_status="Available", evse_id=1, connector_id=1
        )
    )
    beat = await cs.call(call.Heartbeat())
    report("heartbeat", currentTime=beat.current_time)
    report("ready")


async def main():
    url, station_id, id_token, password = sys.argv[1:5]
    token = base64.b64encode(f"{station_id}:{password}".encode()).decode()
    async with websockets.connect(
        f"{url}/{station_id}",
        subprotocols=["ocpp2.0.1", "ocpp1.6"],
        additional_headers={"Authorization": f"Basic {token}"},
    ) as ws:
        report("connected", subprotocol=ws.subprotocol)
        cs = InteropStation(station_id, ws)
        runner = asyncio.create_task(cs.start())
        try:
            await session(cs, id_token)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        finally:
            runner.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # the test reads the failure from stdout
        report("error", error=repr(e))
        sys.exit(1)
