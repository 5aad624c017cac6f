"""A storage commitment SCU built on pynetdicom, a peer no one here wrote.

  commitment_peer.py request < {"port", "aet", "callingAet", "transactionUid", "references": [[class, instance]],
                                "actionTypeId"?, "instanceUid"?, "omit"?: ["TransactionUID"|"ReferencedSOPSequence"],
                                "wait": "same" | "separate" | "none", "listenPort"?, "timeout"?}
      -> {"actionStatus", "report": {"association": "same"|"separate", "eventTypeId", "transactionUid",
                                      "committed": [uid], "failed": [[uid, reason]]} | null}

"same" keeps the association open until the N-EVENT-REPORT comes on it; "separate" releases it at
once and waits for the report on a new association to its own listener at listenPort; "none" only
asks. With "listenOnly", it sends nothing and only waits for a report at listenPort.
"""
import json
import sys
import threading

from pydicom import Dataset
from pynetdicom import AE, debug_logger, evt  # noqa: F401  (debug_logger helps when changing this script)
from pynetdicom.sop_class import StorageCommitmentPushModel

WELL_KNOWN_INSTANCE = "1.2.840.10008.1.20.1.1"


def main() -> None:
    request = json.load(sys.stdin)
    reports = []
    arrived = threading.Event()

    def on_report(event, where):
        info = event.event_information
        reports.append(
            {
                "association": where,
                "eventTypeId": int(event.event_type),
                "transactionUid": str(info.TransactionUID),
                "committed": [str(i.ReferencedSOPInstanceUID) for i in info.get("ReferencedSOPSequence", [])],
                "failed": [[str(i.ReferencedSOPInstanceUID), int(i.FailureReason)] for i in info.get("FailedSOPSequence", [])],
            }
        )
        arrived.set()
        return 0x0000, None

    ae = AE(ae_title=request["callingAet"])
    ae.add_requested_context(StorageCommitmentPushModel)
    server = None
    if request.get("wait") == "separate" or request.get("listenOnly"):
        # Tessera requests the new association but is the SCP of the SOP class on it (PS3.4 J.3.3).
        ae.add_supported_context(StorageCommitmentPushModel, scu_role=False, scp_role=True)
        server = ae.start_server(("127.0.0.1", request["listenPort"]), block=False, evt_handlers=[(evt.EVT_N_EVENT_REPORT, lambda e: on_report(e, "separate"))])

    if request.get("listenOnly"):
        arrived.wait(request.get("timeout", 30))
        server.shutdown()
        print(json.dumps({"report": reports[0] if reports else None}))
        return

    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"], evt_handlers=[(evt.EVT_N_EVENT_REPORT, lambda e: on_report(e, "same"))])
    if not assoc.is_established:
        print(json.dumps({"associated": False}))
        return
    ds = Dataset()
    omit = set(request.get("omit", []))
    if "TransactionUID" not in omit:
        ds.TransactionUID = request["transactionUid"]
    if "ReferencedSOPSequence" not in omit:
        items = []
        for sop_class, sop_instance in request["references"]:
            item = Dataset()
            item.ReferencedSOPClassUID = sop_class
            item.ReferencedSOPInstanceUID = sop_instance
            items.append(item)
        ds.ReferencedSOPSequence = items
    status, _ = assoc.send_n_action(ds, request.get("actionTypeId", 1), StorageCommitmentPushModel, request.get("instanceUid", WELL_KNOWN_INSTANCE))
    action_status = int(status.Status) if "Status" in status else None
    if request["wait"] == "same":
        arrived.wait(request.get("timeout", 30))
    assoc.release()
    if request["wait"] == "separate":
        arrived.wait(request.get("timeout", 30))
        server.shutdown()
    print(json.dumps({"associated": True, "actionStatus": action_status, "report": reports[0] if reports else None}))


if __name__ == "__main__":
    main()
