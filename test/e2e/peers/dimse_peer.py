"""Drives Tessera's DIMSE services with pynetdicom, a peer no one here wrote.

  dimse_peer.py find  < {"port", "aet", "model", "identifier": {keyword: value}, "cancelAfter"?, "charset"?, "extendedNegotiation"?: [byte, ...]}
      -> {"statuses": [...], "matches": [{keyword: value}], "extendedNegotiation": [byte, ...] | None}
      (extendedNegotiation: the SOP Class Extended Negotiation proposed for the model, PS3.4 C.5.1.1,
      and what the acceptor answered)
  dimse_peer.py store < {"port", "aet", "datasets": [{"charset", "attributes"}]} -> [status, ...]
  dimse_peer.py move  < {"port", "aet", "callingAet"?, "model", "identifier", "destination", "cancelAfter"?, "abortAfter"?, "extendedNegotiation"?}
      -> {"associated", "responses": [{"status", "remaining", "completed", "failed", "warning", "failedList"}], "extendedNegotiation"}
  dimse_peer.py get   < {"port", "aet", "callingAet"?, "model", "identifier", "storage": [{"sopClass", "transferSyntaxes"}], "cancelAfter"?, "extendedNegotiation"?}
      -> {"associated", "responses": [...as move], "received": [{"sop", "transferSyntax", "sha256"}], "extendedNegotiation"}
"""
import hashlib
import json
import sys

from pydicom import Dataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE, build_role, debug_logger, evt  # noqa: F401  (debug_logger helps when changing this script)
from pynetdicom.pdu_primitives import SOPClassExtendedNegotiation
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    SecondaryCaptureImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

MODELS = {"patient": PatientRootQueryRetrieveInformationModelFind, "study": StudyRootQueryRetrieveInformationModelFind}
MOVE_MODELS = {"patient": PatientRootQueryRetrieveInformationModelMove, "study": StudyRootQueryRetrieveInformationModelMove}
GET_MODELS = {"patient": PatientRootQueryRetrieveInformationModelGet, "study": StudyRootQueryRetrieveInformationModelGet}


def plain(value):
    if hasattr(value, "original_string") or value.__class__.__name__ == "PersonName":
        return str(value)
    if isinstance(value, (list, tuple)) or value.__class__.__name__ == "MultiValue":
        return [plain(v) for v in value]
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def extended_negotiation(request, model):
    """The SOP Class Extended Negotiation sub-item the request asks to propose for the model (PS3.7 D.3.3.5)."""
    if request.get("extendedNegotiation") is None:
        return []
    item = SOPClassExtendedNegotiation()
    item.sop_class_uid = model
    item.service_class_application_information = bytes(request["extendedNegotiation"])
    return [item]


def answered(assoc, model):
    """The acceptor's answer to the model's extended negotiation, as a list of bytes, or None."""
    answer = assoc.acceptor.sop_class_extended.get(model)
    return list(answer) if answer is not None else None


def find(request):
    ae = AE(ae_title="PYNETDICOM")
    model = MODELS[request["model"]]
    ae.add_requested_context(model)
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"], ext_neg=extended_negotiation(request, model))
    if not assoc.is_established:
        return {"associated": False}
    agreed = answered(assoc, model)
    ds = Dataset()
    if request.get("charset"):
        ds.SpecificCharacterSet = request["charset"]
    for keyword, value in request["identifier"].items():
        setattr(ds, keyword, value)
    statuses, matches = [], []
    for index, (status, identifier) in enumerate(assoc.send_c_find(ds, model, msg_id=7)):
        statuses.append(int(status.Status) if status else None)
        if identifier is not None:
            matches.append({elem.keyword: plain(elem.value) for elem in identifier if elem.keyword})
        if request.get("cancelAfter") is not None and index + 1 == request["cancelAfter"]:
            context = assoc._get_valid_context(model, "", "scu")
            assoc.send_c_cancel(7, context.context_id)
    assoc.release()
    return {"associated": True, "statuses": statuses, "matches": matches, "extendedNegotiation": agreed}


def store(request):
    ae = AE(ae_title="PYNETDICOM")
    ae.add_requested_context(SecondaryCaptureImageStorage, ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"])
    statuses = []
    for spec in request["datasets"]:
        ds = Dataset()
        ds.SpecificCharacterSet = spec["charset"]
        for keyword, value in spec["attributes"].items():
            setattr(ds, keyword, value)
        ds.SOPClassUID = SecondaryCaptureImageStorage
        ds.SOPInstanceUID = spec.get("sop", generate_uid())
        ds.file_meta = Dataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        statuses.append(int(assoc.send_c_store(ds).Status))
    assoc.release()
    return statuses


def identifier_of(request):
    ds = Dataset()
    for keyword, value in request["identifier"].items():
        setattr(ds, keyword, value)
    return ds


def response_of(status, identifier):
    """The status and sub-operation counts of one C-MOVE/C-GET response, and any failed UIDs."""
    if status is None:
        return {"status": None}
    failed = None
    if identifier is not None and "FailedSOPInstanceUIDList" in identifier:
        value = identifier.FailedSOPInstanceUIDList
        failed = [str(v) for v in value] if value.__class__.__name__ == "MultiValue" else [str(value)]
    count = lambda keyword: int(getattr(status, keyword)) if keyword in status else None  # noqa: E731
    return {
        "status": int(status.Status),
        "remaining": count("NumberOfRemainingSuboperations"),
        "completed": count("NumberOfCompletedSuboperations"),
        "failed": count("NumberOfFailedSuboperations"),
        "warning": count("NumberOfWarningSuboperations"),
        "failedList": failed,
    }


def retrieve(assoc, responses, request, model, send):
    """Runs a C-MOVE or C-GET, cancelling or aborting after so many pending responses if asked."""
    for index, (status, identifier) in enumerate(send(identifier_of(request), model, msg_id=9)):
        responses.append(response_of(status, identifier))
        if request.get("abortAfter") is not None and index + 1 == request["abortAfter"]:
            assoc.abort()
            return
        if request.get("cancelAfter") is not None and index + 1 == request["cancelAfter"]:
            context = assoc._get_valid_context(model, "", "scu")
            assoc.send_c_cancel(9, context.context_id)
    assoc.release()


def move(request):
    ae = AE(ae_title=request.get("callingAet", "PYNETDICOM"))
    model = MOVE_MODELS[request["model"]]
    ae.add_requested_context(model)
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"], ext_neg=extended_negotiation(request, model))
    if not assoc.is_established:
        return {"associated": False}
    agreed = answered(assoc, model)
    responses = []
    retrieve(assoc, responses, request, model, lambda ds, m, msg_id: assoc.send_c_move(ds, request["destination"], m, msg_id=msg_id))
    return {"associated": True, "responses": responses, "extendedNegotiation": agreed}


def get(request):
    ae = AE(ae_title=request.get("callingAet", "PYNETDICOM"))
    model = GET_MODELS[request["model"]]
    ae.add_requested_context(model)
    roles = []
    for storage in request["storage"]:
        ae.add_requested_context(storage["sopClass"], storage["transferSyntaxes"])
        roles.append(build_role(storage["sopClass"], scp_role=True))
    received = []

    def on_store(event):
        # The data set exactly as it came over the wire, before pydicom decodes anything.
        raw = event.request.DataSet.getvalue()
        received.append({"sop": event.request.AffectedSOPInstanceUID, "transferSyntax": event.context.transfer_syntax, "sha256": hashlib.sha256(raw).hexdigest()})
        return 0x0000

    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"], ext_neg=roles + extended_negotiation(request, model), evt_handlers=[(evt.EVT_C_STORE, on_store)])
    if not assoc.is_established:
        return {"associated": False}
    agreed = answered(assoc, model)
    responses = []
    retrieve(assoc, responses, request, model, lambda ds, m, msg_id: assoc.send_c_get(ds, m, msg_id=msg_id))
    return {"associated": True, "responses": responses, "received": received, "extendedNegotiation": agreed}


def main() -> None:
    command = sys.argv[1]
    json.dump({"find": find, "store": store, "move": move, "get": get}[command](json.load(sys.stdin)), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
