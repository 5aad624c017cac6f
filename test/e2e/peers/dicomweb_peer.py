"""Drives Tessera's DICOMweb with dicomweb-client, a client no one here wrote.

  dicomweb_peer.py stow     < [{"path", "base"}]                       -> one result per file
  dicomweb_peer.py verify   < [{"base", "study", "series", "sop"}]     -> QIDO at three levels + WADO-RS bytes

The bytes STOW-RS sends are what dicomweb-client sends: pydicom.dcmwrite of the dataset read from the
file. Retrieved bytes are decoded with dicomweb-client's own multipart parser.
"""
import io
import json
import sys

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient

from dicom_validity import dataset_digest, judge


def stow(items):
    results = []
    for item in items:
        result = {"path": item["path"]}
        try:
            ds = pydicom.dcmread(item["path"])
        except Exception as err:  # not sendable by this client
            result.update(sent=False, reason=f"pydicom cannot read it: {err}")
            results.append(result)
            continue
        try:
            with io.BytesIO() as b:
                pydicom.dcmwrite(b, ds)
                encoded = b.getvalue()
        except Exception as err:
            result.update(sent=False, reason=f"pydicom cannot encode it: {err}")
            results.append(result)
            continue
        result.update(sent=True, verdict=judge(encoded))
        client = DICOMwebClient(url=item["base"])
        try:
            response = client.store_instances([ds])
            result["http"] = 200
        except requests.HTTPError as err:
            result["http"] = err.response.status_code
            try:
                response = pydicom.Dataset.from_json(err.response.json())
            except Exception:
                response = None
                result["body"] = err.response.text[:500]
        if response is not None:
            result["referenced"] = [str(i.ReferencedSOPInstanceUID) for i in response.get("ReferencedSOPSequence", [])]
            result["failed"] = [{"sop": str(i.get("ReferencedSOPInstanceUID", "")), "reason": int(i.FailureReason)} for i in response.get("FailedSOPSequence", [])]
        results.append(result)
    return results


def verify(items):
    results = []
    for item in items:
        client = DICOMwebClient(url=item["base"])
        study, series, sop = item["study"], item["series"], item["sop"]
        found = {
            "studies": len(client.search_for_studies(search_filters={"StudyInstanceUID": study})),
            "series": len(client.search_for_series(study_instance_uid=study, search_filters={"SeriesInstanceUID": series})),
            "instances": len(client.search_for_instances(study_instance_uid=study, series_instance_uid=series, search_filters={"SOPInstanceUID": sop})),
        }
        url = f"{item['base']}/studies/{study}/series/{series}/instances/{sop}"
        response = client._http_get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        parts = list(client._decode_multipart_message(response, stream=False))
        retrieved = client.retrieve_instance(study, series, sop, media_types=(("application/dicom", "*"),))
        results.append({
            **item,
            "found": found,
            "parts": len(parts),
            "retrievedDigest": dataset_digest(parts[0]) if parts else None,
            "parsedSop": str(retrieved.SOPInstanceUID),
        })
    return results


def main() -> None:
    command = sys.argv[1]
    items = json.load(sys.stdin)
    json.dump({"stow": stow, "verify": verify}[command](items), sys.stdout)


if __name__ == "__main__":
    main()
