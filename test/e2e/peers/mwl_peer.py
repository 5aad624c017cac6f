"""Queries Tessera's Modality Worklist SCP with pynetdicom, as a modality would.

  mwl_peer.py find < {"port", "aet", "callingAet"?, "identifier": {keyword: value | [{keyword: value}]},
                      "charset"?, "cancelAfter"?}
      -> {"associated", "accepted", "rejected": [result, ...], "statuses": [...],
          "matches": [{keyword: value | [{keyword: value}]}]}

Verification is proposed too, so that the association stands even when the worklist context is
rejected; "accepted" says whether the worklist context was, "rejected" holds its result if not.

A list of objects in the identifier is a sequence (ScheduledProcedureStepSequence: [{...}]); the
matches come back the same way, so that the test sees exactly which attributes each response held.
"""
import json
import sys

from pydicom import Dataset
from pydicom.sequence import Sequence
from pynetdicom import AE, debug_logger  # noqa: F401  (debug_logger helps when changing this script)
from pynetdicom.sop_class import ModalityWorklistInformationFind, Verification


def dataset_of(attributes):
    ds = Dataset()
    for keyword, value in attributes.items():
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            setattr(ds, keyword, Sequence([dataset_of(item) for item in value]))
        else:
            setattr(ds, keyword, value)
    return ds


def plain(value):
    if isinstance(value, Sequence):
        return [plain_dataset(item) for item in value]
    if value.__class__.__name__ == "PersonName":
        return str(value)
    if isinstance(value, (list, tuple)) or value.__class__.__name__ == "MultiValue":
        return [plain(v) for v in value]
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def plain_dataset(ds):
    return {elem.keyword: plain(elem.value) for elem in ds if elem.keyword}


def find(request):
    ae = AE(ae_title=request.get("callingAet", "PYNETDICOM"))
    ae.add_requested_context(ModalityWorklistInformationFind)
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"])
    if not assoc.is_established:
        return {"associated": False}
    rejected = [int(c.result) for c in assoc.rejected_contexts if c.abstract_syntax == ModalityWorklistInformationFind]
    if rejected:
        assoc.release()
        return {"associated": True, "accepted": False, "rejected": rejected}
    ds = dataset_of(request["identifier"])
    if request.get("charset"):
        ds.SpecificCharacterSet = request["charset"]
    statuses, matches = [], []
    for index, (status, identifier) in enumerate(assoc.send_c_find(ds, ModalityWorklistInformationFind, msg_id=11)):
        statuses.append(int(status.Status) if status else None)
        if identifier is not None:
            matches.append(plain_dataset(identifier))
        if request.get("cancelAfter") is not None and index + 1 == request["cancelAfter"]:
            context = assoc._get_valid_context(ModalityWorklistInformationFind, "", "scu")
            assoc.send_c_cancel(11, context.context_id)
    assoc.release()
    return {"associated": True, "accepted": True, "rejected": [], "statuses": statuses, "matches": matches}


def main() -> None:
    command = sys.argv[1]
    json.dump({"find": find}[command](json.load(sys.stdin)), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
