"""Drives Tessera's QIDO-RS, XML, capabilities, CORS and compression with clients no one here wrote.

  dicomweb_qido_peer.py facts < [{"base", "token", "study", "series", "file", "allowedOrigin", "deniedOrigin"}]

dicomweb-client searches (fuzzymatching=True among them), requests for what it does not expose
(Accept for XML, OPTIONS, CORS headers, Accept-Encoding); XML is parsed with lxml, multipart bodies
with the standard library's email parser. Prints one JSON object of facts.
"""
import email.parser
import email.policy
import json
import sys
import time

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from lxml import etree
from pydicom.uid import generate_uid

NATIVE = "{http://dicom.nema.org/PS3.19/models/NativeDICOM}"
WADL = "{http://wadl.dev.java.net/2009/02}"
ACCENTED = "Müller-Lüdenscheidt^Jürgen^^Dr."


def parts(response):
    """The bodies of a multipart/related response."""
    raw = b"Content-Type: " + response.headers["Content-Type"].encode() + b"\r\n\r\n" + response.content
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    return [(p.get_content_type(), p.get_payload(decode=True)) for p in message.iter_parts()]


def until(condition, seconds=60):
    """Polls a condition (indexing is asynchronous) until it holds or the time is up."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def facts(item):
    base, auth = item["base"], {"Authorization": f"Bearer {item['token']}"}
    client = DICOMwebClient(url=base, headers=auth)
    out = {}

    # A patient with accents and a compound family name, stored through STOW-RS.
    ds = pydicom.dcmread(item["file"])
    ds.PatientName = ACCENTED
    ds.PatientID = "QIDO-FUZZY-1"
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    client.store_instances([ds])
    fuzzy = until(lambda: client.search_for_studies(search_filters={"PatientName": "jurg muller"}, fuzzymatching=True))
    out["fuzzyStudies"] = [pydicom.Dataset.from_json(s).StudyInstanceUID for s in fuzzy]
    out["fuzzyIsTheStored"] = out["fuzzyStudies"] == [ds.StudyInstanceUID]
    out["literalCount"] = len(client.search_for_studies(search_filters={"PatientName": "jurg muller"}))
    out["orderFree"] = len(client.search_for_studies(search_filters={"PatientName": "LUDENSCHEIDT^jü"}, fuzzymatching=True))
    honoured = requests.get(f"{base}/studies", params={"PatientName": "muller", "fuzzymatching": "true"}, headers=auth)
    out["fuzzyWarning"] = honoured.headers.get("Warning")

    # XML: one Native DICOM Model part per match and per instance.
    xml_accept = {**auth, "Accept": 'multipart/related; type="application/dicom+xml"'}
    found = requests.get(f"{base}/studies", params={"StudyInstanceUID": ds.StudyInstanceUID}, headers=xml_accept)
    out["xmlStatus"] = found.status_code
    out["xmlContentType"] = found.headers["Content-Type"].split(";")[0]
    study_parts = parts(found)
    root = etree.fromstring(study_parts[0][1])
    out["xmlPartType"] = study_parts[0][0]
    out["xmlFamilyName"] = root.findtext(f"{NATIVE}DicomAttribute[@keyword='PatientName']/{NATIVE}PersonName/{NATIVE}Alphabetic/{NATIVE}FamilyName")
    out["xmlPrefix"] = root.findtext(f"{NATIVE}DicomAttribute[@tag='00100010']/{NATIVE}PersonName/{NATIVE}Alphabetic/{NATIVE}NamePrefix")
    metadata = requests.get(f"{base}/studies/{item['study']}/series/{item['series']}/metadata", headers=xml_accept)
    instances = [etree.fromstring(body) for _, body in parts(metadata)]
    out["xmlMetadataParts"] = len(instances)
    uris = [e.get("uri") for doc in instances for e in doc.iter(f"{NATIVE}BulkData")]
    out["xmlBulkDataAbsolute"] = bool(uris) and all(u.startswith(base + "/studies/") for u in uris)
    out["refusedAccept"] = requests.get(f"{base}/studies", headers={**auth, "Accept": "application/dicom"}).status_code

    # Capabilities (PS3.18 8.9): WADL by default, JSON when asked, a token needed.
    wadl = requests.options(base, headers=auth)
    out["capabilities"] = {"status": wadl.status_code, "type": wadl.headers.get("Content-Type"), "allow": wadl.headers.get("Allow")}
    doc = etree.fromstring(wadl.content)
    out["wadlResources"] = len(doc.findall(f"{WADL}resources/{WADL}resource"))
    out["wadlSearchesStudies"] = doc.find(f"{WADL}resources/{WADL}resource[@path='studies']/{WADL}method[@id='SearchForStudies']") is not None
    out["capabilitiesJson"] = "resources" in requests.options(f"{base}/studies", headers={**auth, "Accept": "application/json"}).json()
    out["capabilitiesAllowStudy"] = requests.options(f"{base}/studies/{item['study']}", headers=auth).headers.get("Allow")
    out["capabilitiesWithoutToken"] = requests.options(base).status_code

    # CORS: a browser's preflight (no token) from an allowed and from another origin, then the GET.
    def preflight(origin):
        r = requests.options(f"{base}/studies", headers={"Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
        return {"status": r.status_code, "allowOrigin": r.headers.get("Access-Control-Allow-Origin"), "allowHeaders": r.headers.get("Access-Control-Allow-Headers")}

    out["preflightAllowed"] = preflight(item["allowedOrigin"])
    out["preflightDenied"] = preflight(item["deniedOrigin"])
    cross = requests.get(f"{base}/studies", headers={**auth, "Origin": item["allowedOrigin"]})
    exposed = [h.strip().lower() for h in cross.headers.get("Access-Control-Expose-Headers", "").split(",")]
    out["crossOrigin"] = {"allowOrigin": cross.headers.get("Access-Control-Allow-Origin"), "exposesWarning": "warning" in exposed, "exposesContentLocation": "content-location" in exposed}

    # Compression per Accept-Encoding (requests decodes gzip itself).
    series_url = f"{base}/studies/{item['study']}/series/{item['series']}/metadata"
    gz = requests.get(series_url, headers={**auth, "Accept-Encoding": "gzip"})
    out["gzip"] = {"encoding": gz.headers.get("Content-Encoding"), "instances": len(gz.json())}
    out["identityEncoding"] = requests.get(series_url, headers={**auth, "Accept-Encoding": "identity"}).headers.get("Content-Encoding")
    return out


if __name__ == "__main__":
    command = sys.argv[1]
    items = json.load(sys.stdin)
    if command != "facts":
        sys.exit(f"unknown command {command}")
    json.dump([facts(i) for i in items], sys.stdout)
