"""An independent judgement of whether a received object is a storable instance, made with pydicom.

Valid means: pydicom reads the whole file without forcing, no element declares more bytes than the
file holds (pydicom itself reads such a cut-off value silently), and the SOP Class, SOP Instance, Study
Instance and Series Instance UIDs are present and valid UIDs (PS3.5 9.1), and the SOP class is a
registered Storage SOP class. Tessera's own parser is not consulted: the tests compare the two.
"""
import hashlib
import io
import zlib

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.uid import UID

REQUIRED = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")


DEFLATED = "1.2.840.10008.1.2.1.99"


def dataset_digest(part10: bytes) -> str:
    """SHA-256 of what follows the Part 10 header (preamble, DICM and the File Meta group).

    A deflated data set is hashed inflated: DCMTK inflates deflated transfers on receipt and deflates
    again when it writes the file, so its reference copy keeps the content but not the deflate stream.
    """
    if part10[128:132] != b"DICM":
        return hashlib.sha256(part10).hexdigest()
    group_length = int.from_bytes(part10[140:144], "little")  # (0002,0000) UL is always first
    header, body = part10[: 144 + group_length], part10[144 + group_length:]
    if DEFLATED.encode() in header:
        body = zlib.decompress(body, -15)
    return hashlib.sha256(body).hexdigest()


UNDEFINED_LENGTH = 0xFFFFFFFF


def truncation(ds: pydicom.Dataset):
    """The first element (at any depth) whose value is shorter than its declared length, if any."""
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)
        if isinstance(raw, RawDataElement) and raw.length != UNDEFINED_LENGTH and raw.value is not None and len(raw.value) < raw.length:
            return f"{tag} declares {raw.length} bytes but the file holds {len(raw.value)}"
        elem = ds[tag]
        if elem.VR == "SQ":
            for item in elem.value:
                found = truncation(item)
                if found:
                    return found
    return None


def judge(part10: bytes) -> dict:
    verdict = {"valid": False, "reason": None, "digest": dataset_digest(part10), "study": None, "series": None, "sop": None}
    try:
        ds = pydicom.dcmread(io.BytesIO(part10))
        cut = truncation(ds)
        if cut:
            verdict["reason"] = f"truncated: {cut}"
            return verdict
        for elem in ds.iterall():  # reading every value surfaces bad encodings
            elem.value
    except Exception as err:
        verdict["reason"] = f"pydicom cannot read it: {err}"
        return verdict
    values = {}
    for keyword in REQUIRED:
        value = str(ds.get(keyword, "") or "")
        if not value:
            verdict["reason"] = f"no {keyword}"
            return verdict
        if not UID(value).is_valid:
            verdict["reason"] = f"{keyword} {value!r} is not a valid UID"
            return verdict
        values[keyword] = value
    name = UID(values["SOPClassUID"]).name
    if not (name.endswith("Storage") or " Storage - " in name or name.endswith("Storage (Retired)")):
        verdict["reason"] = f"{name} is not a storage SOP class"
        return verdict
    verdict.update(valid=True, study=values["StudyInstanceUID"], series=values["SeriesInstanceUID"], sop=values["SOPInstanceUID"])
    return verdict
