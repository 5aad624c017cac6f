"""Drives Tessera's DIMSE services with pynetdicom, a peer no one here wrote.

  dimse_peer.py find  < {"port", "aet", "model", "identifier": {keyword: value}, "cancelAfter"?, "charset"?}
      -> {"statuses": [...], "matches": [{keyword: value}]}
  dimse_peer.py store < {"port", "aet", "datasets": [{"charset", "attributes"}]} -> [status, ...]
"""
import json
import sys

from pydicom import Dataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE, debug_logger  # noqa: F401  (debug_logger helps when changing this script)
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind,
    SecondaryCaptureImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
)

MODELS = {"patient": PatientRootQueryRetrieveInformationModelFind, "study": StudyRootQueryRetrieveInformationModelFind}


def plain(value):
    if hasattr(value, "original_string") or value.__class__.__name__ == "PersonName":
        return str(value)
    if isinstance(value, (list, tuple)) or value.__class__.__name__ == "MultiValue":
        return [plain(v) for v in value]
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def find(request):
    ae = AE(ae_title="PYNETDICOM")
    model = MODELS[request["model"]]
    ae.add_requested_context(model)
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"])
    if not assoc.is_established:
        return {"associated": False}
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
    return {"associated": True, "statuses": statuses, "matches": matches}


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


def main() -> None:
    command = sys.argv[1]
    json.dump({"find": find, "store": store}[command](json.load(sys.stdin)), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
