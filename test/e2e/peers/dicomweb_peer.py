"""Drives Tessera's DICOMweb with dicomweb-client, a client no one here wrote.

  dicomweb_peer.py stow     < [{"path", "base"}]                       -> one result per file
  dicomweb_peer.py verify   < [{"base", "study", "series", "sop"}]     -> QIDO at three levels + WADO-RS bytes
  dicomweb_peer.py retrieve < [{"base", "study", "series", "sources"}] -> study/series retrieve, metadata, bulk data
  dicomweb_peer.py patients < [{"base", "study"}]                    -> the patient of each object retrieved and of its metadata
  dicomweb_peer.py decoded  < [{"base", "study", "series", "out"}]   -> a series retrieved with no transfer-syntax, each instance written to "out"

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


def client_for(item):
    """A dicomweb-client session for the item's base URL, with its bearer token (RFC 6750)."""
    return DICOMwebClient(url=item["base"], headers={"Authorization": f"Bearer {item['token']}"})


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
        client = client_for(item)
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
        client = client_for(item)
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


def retrieve(items):
    """WADO-RS through dicomweb-client: a study, a series, metadata at each level, bulk data, transcoding."""
    results = []
    for item in items:
        client = client_for(item)
        study, series = item["study"], item["series"]
        as_stored = client.retrieve_study(study, media_types=(("application/dicom", "*"),))
        default = client.retrieve_series(study, series)  # no transfer-syntax: Explicit VR Little Endian
        series_metadata = client.retrieve_series_metadata(study, series)
        study_metadata = client.retrieve_study_metadata(study)
        first = sorted(default, key=lambda d: int(d.InstanceNumber))[0]
        instance_metadata = client.retrieve_instance_metadata(study, series, str(first.SOPInstanceUID))
        bulk_uri = instance_metadata["7FE00010"]["BulkDataURI"]
        bulk = client.retrieve_bulkdata(bulk_uri)
        source = pydicom.dcmread(item["sources"][str(first.SOPInstanceUID)])
        results.append({
            "studyParts": len(as_stored),
            "storedSyntaxes": sorted({str(d.file_meta.TransferSyntaxUID) for d in as_stored}),
            "seriesParts": len(default),
            "defaultSyntaxes": sorted({str(d.file_meta.TransferSyntaxUID) for d in default}),
            "pixelsUnchanged": first.PixelData == source.PixelData and first.Rows == source.Rows,
            "patientName": str(first.PatientName),
            "studyMetadata": len(study_metadata),
            "seriesMetadata": len(series_metadata),
            "bulkUriAbsolute": bulk_uri.startswith(item["base"]),
            "bulkMatchesPixels": len(bulk) == 1 and bulk[0] == source.PixelData,
        })
    return results


def decoded(items):
    """WADO-RS of a series with dicomweb-client's default Accept for series (no transfer-syntax: Explicit
    VR Little Endian, PS3.18 8.7.3.5.2), whatever its instances are stored in; each instance is written
    as a Part 10 file named by its SOP Instance UID in "out"."""
    results = []
    for item in items:
        instances = []
        for ds in client_for(item).retrieve_series(item["study"], item["series"]):
            ds.save_as(f"{item['out']}/{ds.SOPInstanceUID}.dcm", enforce_file_format=True)
            instances.append({"sop": str(ds.SOPInstanceUID), "transferSyntax": str(ds.file_meta.TransferSyntaxUID), "photometric": str(ds.PhotometricInterpretation)})
        results.append(instances)
    return results


def patient_of(dataset):
    return {
        "PatientID": str(dataset.get("PatientID", "")),
        "IssuerOfPatientID": str(dataset.get("IssuerOfPatientID", "")),
        "PatientName": str(dataset.get("PatientName", "")),
        "PatientSex": str(dataset.get("PatientSex", "")),
    }


def patients(items):
    """The patient attributes of each object of a study, retrieved as stored and transcoded, and of its metadata."""
    results = []
    for item in items:
        client = client_for(item)
        as_stored = client.retrieve_study(item["study"], media_types=(("application/dicom", "*"),))
        default = client.retrieve_study(item["study"])  # Explicit VR Little Endian
        metadata = [pydicom.Dataset.from_json(m) for m in client.retrieve_study_metadata(item["study"])]
        results.append({
            "asStored": [patient_of(d) for d in as_stored],
            "transcoded": [patient_of(d) for d in default],
            "metadata": [patient_of(d) for d in metadata],
            # What pydicom makes of the whole object: it must still read to its pixel data.
            "pixelBytes": [len(d.PixelData) for d in as_stored],
        })
    return results


def main() -> None:
    command = sys.argv[1]
    items = json.load(sys.stdin)
    json.dump({"stow": stow, "verify": verify, "retrieve": retrieve, "patients": patients, "decoded": decoded}[command](items), sys.stdout)


if __name__ == "__main__":
    main()
