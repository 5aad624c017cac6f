"""A modality reporting Modality Performed Procedure Steps with pynetdicom, a peer no one here wrote.

  mpps_peer.py < {"port", "aet", "callingAet",
                  "operations": [{"op": "create" | "set", "sop"?, "attributes": DICOM JSON}]}
      -> {"associated", "contexts": [{"abstractSyntax", "result"}],
          "responses": [{"status", "affectedSopInstance", "errorComment", "errorId",
                         "attributeIdentifierList", "attributeList"}]}

All operations run on one association, in order. Each response is read from the N-CREATE-RSP or
N-SET-RSP message as it came off the wire (pynetdicom keeps only some failure fields in the status
it returns), so that every command field and the attribute list of a failure can be checked.
"""
import json
import sys
from io import BytesIO

from pydicom import Dataset
from pynetdicom import AE, debug_logger, evt  # noqa: F401  (debug_logger helps when changing this script)
from pynetdicom.dsutils import decode
from pynetdicom.sop_class import ModalityPerformedProcedureStep, Verification


def tag_hex(tag):
    return f"{int(tag):08X}"


def main():
    request = json.load(sys.stdin)
    received = []
    ae = AE(ae_title=request["callingAet"])
    ae.add_requested_context(ModalityPerformedProcedureStep)
    # Verification keeps the association up when the MPPS context is rejected, so that the rejection shows.
    ae.add_requested_context(Verification)
    # Copied as they arrive: pynetdicom consumes the message once it has turned it into a primitive.
    handlers = [(evt.EVT_DIMSE_RECV, lambda event: received.append((event.message.command_set, event.message.data_set.getvalue() if event.message.data_set else b"")))]
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"], evt_handlers=handlers)
    if not assoc.is_established:
        return {"associated": False, "contexts": [], "responses": []}
    contexts = sorted(({"abstractSyntax": str(cx.abstract_syntax), "result": cx.result} for cx in assoc.accepted_contexts + assoc.rejected_contexts), key=lambda c: c["abstractSyntax"])
    accepted = [cx for cx in assoc.accepted_contexts if cx.abstract_syntax == ModalityPerformedProcedureStep]
    responses = []
    if accepted:
        ts = accepted[0].transfer_syntax[0]
        for index, operation in enumerate(request["operations"]):
            ds = Dataset.from_json(operation["attributes"])
            if operation["op"] == "create":
                assoc.send_n_create(ds, ModalityPerformedProcedureStep, operation.get("sop"), msg_id=index + 1)
            else:
                assoc.send_n_set(ds, ModalityPerformedProcedureStep, operation["sop"], msg_id=index + 1)
            responses.append(describe(received[-1], ts))
    assoc.release()
    return {"associated": True, "contexts": contexts, "responses": responses}


def describe(message, ts):
    command, data_set = message
    identifiers = command.get("AttributeIdentifierList")
    if identifiers is not None and not isinstance(identifiers, (list, tuple)) and identifiers.__class__.__name__ != "MultiValue":
        identifiers = [identifiers]
    attribute_list = None
    if data_set:
        attribute_list = decode(BytesIO(data_set), ts.is_implicit_VR, ts.is_little_endian).to_json_dict()
    return {
        "status": int(command.Status),
        "affectedSopInstance": str(command.AffectedSOPInstanceUID) if "AffectedSOPInstanceUID" in command else None,
        "errorComment": str(command.ErrorComment) if "ErrorComment" in command else None,
        "errorId": int(command.ErrorID) if "ErrorID" in command else None,
        "attributeIdentifierList": [tag_hex(t) for t in identifiers] if identifiers is not None else None,
        "attributeList": attribute_list,
    }


if __name__ == "__main__":
    json.dump(main(), sys.stdout)
