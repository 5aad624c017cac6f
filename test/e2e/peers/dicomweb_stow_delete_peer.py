"""STOW-RS of DICOM JSON metadata with bulk data parts (PS3.18 10.5.1.2) against Tessera.

  dicomweb_stow_delete_peer.py bulk < {"base", "token", "files": [path]} -> per file: status, outcome,
      and whether the instance retrieved with dicomweb-client has the same pixel data (frames) and attributes
  dicomweb_stow_delete_peer.py bad  < {"base", "token", "file"}          -> the status of each malformed request

dicomweb-client 0.61.2 sends only application/dicom parts (store_instances writes PS3.10 files), so the
metadata and bulk data request is built here with requests: pydicom's own DICOM JSON (to_json_dict) with
a bulk data handler that turns every large binary value into a part named by its Content-Location. The
native file sends its bulk data after the metadata; the compressed one sends its frames first, as
image/jpeg parts with the transfer-syntax parameter. Retrieval uses dicomweb-client.
"""
import json
import sys
import uuid

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.encaps import generate_frames
from pydicom.uid import generate_uid

PIXEL_DATA = 0x7FE00010


def media_type_of(transfer_syntax):
    return {
        "1.2.840.10008.1.2.4.50": "image/jpeg",
        "1.2.840.10008.1.2.4.80": "image/jls",
        "1.2.840.10008.1.2.4.90": "image/jp2",
        "1.2.840.10008.1.2.5": "image/dicom-rle",
    }.get(transfer_syntax, "application/octet-stream")


def metadata_and_bulk(ds, base):
    """The DICOM JSON of ds and its bulk data parts [(headers, bytes)], in pydicom's encoding."""
    syntax = str(ds.file_meta.TransferSyntaxUID)
    parts = []

    def handler(elem):
        uri = f"{base}/bulk/{uuid.uuid4()}"
        if elem.tag == PIXEL_DATA and ds.file_meta.TransferSyntaxUID.is_compressed:
            kind = f"{media_type_of(syntax)}; transfer-syntax={syntax}"
            for frame in generate_frames(elem.value, number_of_frames=int(ds.get("NumberOfFrames", 1))):
                parts.append(({"Content-Type": kind, "Content-Location": uri}, frame))
        else:
            parts.append(({"Content-Type": "application/octet-stream", "Content-Location": uri}, elem.value))
        return uri

    return ds.to_json_dict(bulk_data_threshold=1024, bulk_data_element_handler=handler), parts


def multipart(parts, boundary, close=True):
    body = b""
    for headers, data in parts:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        body += f"--{boundary}\r\n{head}\r\n".encode() + data + b"\r\n"
    return body + (f"--{boundary}--\r\n".encode() if close else b"")


def post(item, body, content_type):
    return requests.post(
        f"{item['base']}/studies",
        data=body,
        headers={"Authorization": f"Bearer {item['token']}", "Content-Type": content_type, "Accept": "application/dicom+json"},
        timeout=60,
    )


JSON_TYPE = 'multipart/related; type="application/dicom+json"; boundary=stowbulk'


def frames_of(ds):
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        return [bytes(f) for f in generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1)))]
    return [bytes(ds.PixelData)]


def bulk(item):
    client = DICOMwebClient(url=item["base"], headers={"Authorization": f"Bearer {item['token']}"})
    results = []
    for index, path in enumerate(item["files"]):
        ds = pydicom.dcmread(path)
        metadata, parts = metadata_and_bulk(ds, "http://peer.example")
        meta_part = ({"Content-Type": "application/dicom+json"}, json.dumps([metadata]).encode())
        # The first file sends its bulk data after the metadata, the others before it.
        ordered = [meta_part, *parts] if index == 0 else [*parts, meta_part]
        response = post(item, multipart(ordered, "stowbulk"), JSON_TYPE)
        result = {"file": path.rsplit("/", 1)[-1], "status": response.status_code, "bulkParts": len(parts)}
        answer = pydicom.Dataset.from_json(response.json())
        result["referenced"] = [str(i.ReferencedSOPInstanceUID) for i in answer.get("ReferencedSOPSequence", [])]
        stored = client.retrieve_instance(str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID), media_types=(("application/dicom", "*"),))
        result["transferSyntax"] = str(stored.file_meta.TransferSyntaxUID)
        result["sentTransferSyntax"] = str(ds.file_meta.TransferSyntaxUID)
        result["pixelsIdentical"] = frames_of(stored) == frames_of(ds)
        result["attributesIdentical"] = all(stored.get(k) == ds.get(k) for k in ("PatientName", "PatientID", "Rows", "Columns", "BitsAllocated", "PhotometricInterpretation"))
        results.append(result)
    return results


def bad(item):
    """Malformed requests, each with an instance of a new study; a sentinel is stored in that study last."""
    ds = pydicom.dcmread(item["file"])
    ds.StudyInstanceUID = item["study"]
    statuses = {}
    reasons = {}

    def attempt(name, body, content_type):
        ds.SOPInstanceUID = generate_uid()
        response = post(item, body(ds), content_type)
        statuses[name] = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        failed = answer.get("00081198", {}).get("Value", []) if isinstance(answer, dict) else []
        reasons[name] = [f.get("00081197", {}).get("Value", [None])[0] for f in failed] or answer.get("message")

    def whole(d, close=True, location=None):
        metadata, parts = metadata_and_bulk(d, "http://peer.example")
        if location is not None:
            parts = [({**h, "Content-Location": location}, b) for h, b in parts]
        return multipart([({"Content-Type": "application/dicom+json"}, json.dumps([metadata]).encode()), *parts], "stowbulk", close)

    attempt("malformed", lambda d: b"this is not a multipart body at all", JSON_TYPE)
    attempt("missingBoundary", lambda d: whole(d), 'multipart/related; type="application/dicom+json"')
    attempt("truncated", lambda d: whole(d, close=False)[:-200], JSON_TYPE)
    attempt("unknownLocation", lambda d: whole(d, location="http://peer.example/elsewhere"), JSON_TYPE)
    ds.SOPInstanceUID = item["sentinel"]
    statuses["sentinel"] = post(item, whole(ds), JSON_TYPE).status_code
    return {"statuses": statuses, "reasons": reasons}


def main() -> None:
    command = sys.argv[1]
    item = json.load(sys.stdin)
    out = {"bulk": bulk, "bad": bad}[command](item)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
