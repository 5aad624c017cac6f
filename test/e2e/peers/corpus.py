"""Lists a DICOM corpus: every file under a directory with the identifiers pydicom finds in it.

Usage: corpus.py list <dir>        ->  one entry per file, sorted by path; files pydicom cannot
                                       read at all are listed too (the sender decides)
       corpus.py judge <file>...     ->  the verdict of dicom_validity.judge for each file
"""
import json
import pathlib
import sys

import pydicom

from dicom_validity import judge


def describe(path: pathlib.Path) -> dict:
    entry = {"path": str(path), "sopInstanceUID": None, "sopClassUID": None, "transferSyntaxUID": None}
    try:
        ds = pydicom.dcmread(str(path), force=True, stop_before_pixels=True)
    except Exception:  # a corpus of broken files is the point
        return entry
    meta = getattr(ds, "file_meta", None)
    entry["transferSyntaxUID"] = str(meta.TransferSyntaxUID) if meta is not None and "TransferSyntaxUID" in meta else None
    entry["sopInstanceUID"] = str(ds.SOPInstanceUID) if "SOPInstanceUID" in ds else None
    entry["sopClassUID"] = str(ds.SOPClassUID) if "SOPClassUID" in ds else None
    return entry


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "list":
        files = sorted(p for p in pathlib.Path(args[0]).rglob("*") if p.is_file())
        json.dump([describe(p) for p in files], sys.stdout)
    elif command == "judge":
        json.dump([judge(pathlib.Path(a).read_bytes()) for a in args], sys.stdout)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
