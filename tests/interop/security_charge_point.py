"""A charge point of the OCPP 1.6 security extension built on the independent Python `ocpp`
library (not ours), driven by `tests/tests/interop_security.rs`. It connects over wss:// with
its password (security profile 2), reports a security event, then answers the operator's
security commands (ExtendedTriggerMessage, CertificateSigned, InstallCertificate,
GetInstalledCertificateIds, DeleteCertificate, GetLog, SignedUpdateFirmware) and reports
their progress the way the whitepaper says, until its standard input closes. Every step is
printed to stdout as one JSON line. The library checks every payload against the schemas.

Usage: security_charge_point.py WSS_URL CHARGE_POINT_ID PASSWORD CA_FILE CSR_FILE
"""

import asyncio
import base64
import hashlib
import json
import ssl
import sys
from datetime import datetime, timezone

import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def now():
    return datetime.now(timezone.utc).isoformat()


def hash_data(pem):
    # A peer's stand-in for the hashes of a certificate's issuer name, key and serial.
    digest = hashlib.sha256(pem.encode()).hexdigest()
    return {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": digest[:64],
        "issuer_key_hash": digest[::-1][:64],
        "serial_number": digest[:16],
    }


class SecurityChargePoint(ChargePoint):
    def __init__(self, cp_id, ws, csr):
        super().__init__(cp_id, ws)
        self.csr = csr
        self.installed = []

    @on(Action.extended_trigger_message)
    def on_extended_trigger(self, requested_message, **kwargs):
        report("extendedTrigger", message=requested_message)
        return call_result.ExtendedTriggerMessage(status="Accepted")

    @after(Action.extended_trigger_message)
    async def after_extended_trigger(self, requested_message, **kwargs):
        if requested_message == "SignChargePointCertificate":
            answer = await self.call(call.SignCertificate(csr=self.csr))
            report("signCertificate", status=answer.status)

    @on(Action.certificate_signed)
    def on_certificate_signed(self, certificate_chain, **kwargs):
        report("certificateSigned", certificates=certificate_chain.count("BEGIN CERTIFICATE"))
        return call_result.CertificateSigned(status="Accepted")

    @on(Action.install_certificate)
    def on_install_certificate(self, certificate_type, certificate, **kwargs):
        self.installed.append((certificate_type, certificate))
        report("installCertificate", type=certificate_type)
        return call_result.InstallCertificate(status="Accepted")

    @on(Action.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, certificate_type, **kwargs):
        ids = [hash_data(pem) for kind, pem in self.installed if kind == certificate_type]
        report("getInstalledCertificateIds", type=certificate_type, count=len(ids))
        if not ids:
            return call_result.GetInstalledCertificateIds(status="NotFound")
        return call_result.GetInstalledCertificateIds(
            status="Accepted", certificate_hash_data=ids
        )

    @on(Action.delete_certificate)
    def on_delete_certificate(self, certificate_hash_data, **kwargs):
        serial = certificate_hash_data["serial_number"]
        kept = [(k, pem) for k, pem in self.installed if hash_data(pem)["serial_number"] != serial]
        status = "Accepted" if len(kept) < len(self.installed) else "NotFound"
        self.installed = kept
        report("deleteCertificate", status=status)
        return call_result.DeleteCertificate(status=status)

    @on(Action.get_log)
    def on_get_log(self, log, log_type, request_id, **kwargs):
        report("getLog", type=log_type, requestId=request_id, location=log["remote_location"])
        return call_result.GetLog(status="Accepted", filename="security.log")

    @after(Action.get_log)
    async def after_get_log(self, request_id, **kwargs):
        for status in ["Uploading", "Uploaded"]:
            await self.call(call.LogStatusNotification(status=status, request_id=request_id))
        report("logUploaded", requestId=request_id)

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, request_id, firmware, **kwargs):
        report("signedUpdateFirmware", requestId=request_id, location=firmware["location"])
        return call_result.SignedUpdateFirmware(status="Accepted")

    @after(Action.signed_update_firmware)
    async def after_signed_update_firmware(self, request_id, **kwargs):
        for status in ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"]:
            await self.call(
                call.SignedFirmwareStatusNotification(status=status, request_id=request_id)
            )
        report("firmwareInstalled", requestId=request_id)


async def main():
    url, cp_id, password, ca_file, csr_file = sys.argv[1:6]
    with open(csr_file) as f:
        csr = f.read()
    token = base64.b64encode(f"{cp_id}:{password}".encode()).decode()
    context = ssl.create_default_context(cafile=ca_file)
    async with websockets.connect(
        f"{url}/{cp_id}",
        subprotocols=["ocpp1.6"],
        additional_headers={"Authorization": f"Basic {token}"},
        ssl=context,
    ) as ws:
        report("connected", subprotocol=ws.subprotocol)
        cp = SecurityChargePoint(cp_id, ws, csr)
        runner = asyncio.create_task(cp.start())
        try:
            boot = await cp.call(
                call.BootNotification(charge_point_model="Interop-S", charge_point_vendor="PyOCPP")
            )
            report("boot", status=boot.status)
            await cp.call(
                call.SecurityEventNotification(
                    type="StartupOfTheDevice", timestamp=now(), tech_info="interop boot"
                )
            )
            report("securityEvent")
            report("ready")
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        finally:
            runner.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # the test reads the failure from stdout
        report("error", error=repr(e))
        sys.exit(1)
