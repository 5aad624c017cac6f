"""Checks Tessera's rendered, thumbnail and WADO-URI resources with clients no one here wrote.

  dicomweb_rendered_peer.py uids  < ["path", ...]  -> [{"path", "study", "series", "sop"}]
  dicomweb_rendered_peer.py store < {"base", "token", "paths"} -> the STOW-RS status (dicomweb-client)
  dicomweb_rendered_peer.py check < {"base", "token", "ct": {"path", "study", "series", "sop"}, "multiframe": {...}}
      -> facts about each response, for the e2e spec to compare
  dicomweb_rendered_peer.py lut_images < {"dir"} -> ["path", ...]: two images made with pydicom, one
      with a VOI LUT Sequence and no window, one with a Modality LUT Sequence (PS3.3 C.11.2, C.11.1)
  dicomweb_rendered_peer.py check_luts < {"base", "token", "voi": {"path", ...}, "modality": {...}}
      -> the largest difference between Tessera's PNG and pydicom's LUTs, for each

Images are decoded with Pillow; what they should show is computed here from pydicom's own pixel
decoding and the PS3.3 C.11.2.1.2 window, independently of Tessera's code.
"""
import io
import json
import os
import sys

import numpy as np
import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

DX_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1"


def linear_window(values, center, width):
    """PS3.3 C.11.2.1.2.1, to 0-255."""
    low = center - 0.5 - (width - 1) / 2
    high = center - 0.5 + (width - 1) / 2
    y = ((values - (center - 0.5)) / (width - 1) + 0.5) * 255
    y = np.where(values <= low, 0, np.where(values > high, 255, y))
    return np.clip(np.round(y), 0, 255)


def decode(body):
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def multipart_bodies(response):
    """The bodies of a multipart/related response (RFC 2046), by its boundary."""
    boundary = response.headers["Content-Type"].split("boundary=")[1].split(";")[0].strip('"').encode()
    bodies = []
    for part in response.content.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        _, _, body = part.partition(b"\r\n\r\n")
        bodies.append(body[:-2] if body.endswith(b"\r\n") else body)
    return bodies


def check(item):
    base, headers = item["base"], {"Authorization": f"Bearer {item['token']}"}
    client = DICOMwebClient(url=base, headers=headers)
    ct, mf = item["ct"], item["multiframe"]
    source = pydicom.dcmread(ct["path"])
    hu = source.pixel_array.astype(np.float64) * float(source.RescaleSlope) + float(source.RescaleIntercept)
    expected = linear_window(hu, 40, 400)
    facts = {}

    png = decode(client.retrieve_instance_rendered(ct["study"], ct["series"], ct["sop"], media_types=("image/png",), params={"window": "40,400"}))
    facts["ctPng"] = {"format": png.format, "mode": png.mode, "size": list(png.size), "maxError": int(np.abs(np.asarray(png, dtype=np.float64) - expected).max())}

    jpeg = decode(client.retrieve_instance_rendered(ct["study"], ct["series"], ct["sop"], media_types=("image/jpeg",), params={"window": "40,400", "viewport": "64,64", "quality": "95"}))
    halved = expected.reshape(64, 2, 64, 2).mean(axis=(1, 3))
    facts["ctJpegViewport"] = {"format": jpeg.format, "size": list(jpeg.size), "meanErrorBelow4": bool(np.abs(np.asarray(jpeg, dtype=np.float64) - halved).mean() < 4)}

    frames = pydicom.dcmread(mf["path"]).pixel_array
    second = decode(client.retrieve_instance_frames_rendered(mf["study"], mf["series"], mf["sop"], frame_numbers=[2], media_types=("image/png",)))
    facts["frame2"] = {"mode": second.mode, "size": list(second.size), "equalsPydicom": bool(np.array_equal(np.asarray(second), frames[1]))}
    both = requests.get(f"{base}/studies/{mf['study']}/series/{mf['series']}/instances/{mf['sop']}/frames/2,1/rendered", headers={**headers, "Accept": 'multipart/related; type="image/png"'})
    bodies = multipart_bodies(both)
    facts["frames21"] = {"status": both.status_code, "parts": len(bodies), "inOrder": [bool(np.array_equal(np.asarray(decode(b)), frames[i])) for b, i in zip(bodies, [1, 0])]}

    study = requests.get(f"{base}/studies/{ct['study']}/rendered", headers={**headers, "Accept": 'multipart/related; type="image/jpeg"'})
    facts["studyRendered"] = {"status": study.status_code, "parts": len(multipart_bodies(study))}

    thumbs = {}
    for level, path in [("study", f"studies/{mf['study']}"), ("series", f"studies/{mf['study']}/series/{mf['series']}"), ("instance", f"studies/{ct['study']}/series/{ct['series']}/instances/{ct['sop']}")]:
        r = requests.get(f"{base}/{path}/thumbnail", headers={**headers, "Accept": "image/jpeg"})
        thumbs[level] = {"status": r.status_code, "type": r.headers.get("Content-Type"), "size": list(decode(r.content).size) if r.status_code == 200 else None}
    facts["thumbnails"] = thumbs

    wado = f"{base}/wado"
    ids = {"requestType": "WADO", "studyUID": ct["study"], "seriesUID": ct["series"], "objectUID": ct["sop"]}
    uri_png = requests.get(wado, params={**ids, "contentType": "image/png", "windowCenter": "40", "windowWidth": "400"}, headers=headers)
    facts["wadoUriPng"] = {"status": uri_png.status_code, "type": uri_png.headers.get("Content-Type"), "maxError": int(np.abs(np.asarray(decode(uri_png.content), dtype=np.float64) - expected).max())}
    uri_default = requests.get(wado, params={**ids, "rows": "32"}, headers=headers)
    facts["wadoUriDefault"] = {"status": uri_default.status_code, "type": uri_default.headers.get("Content-Type"), "size": list(decode(uri_default.content).size)}
    uri_dicom = requests.get(wado, params={**ids, "contentType": "application/dicom"}, headers=headers)
    back = pydicom.dcmread(io.BytesIO(uri_dicom.content))
    facts["wadoUriDicom"] = {
        "status": uri_dicom.status_code,
        "type": uri_dicom.headers.get("Content-Type"),
        "sop": str(back.SOPInstanceUID),
        "transferSyntax": str(back.file_meta.TransferSyntaxUID),
        "pixelsEqual": bool(np.array_equal(back.pixel_array, source.pixel_array)),
    }

    def status(url, params=None, accept=None):
        return requests.get(url, params=params, headers={**headers, **({"Accept": accept} if accept else {})}).status_code

    instance = f"{base}/studies/{ct['study']}/series/{ct['series']}/instances/{ct['sop']}"
    facts["errors"] = {
        "badWindow": status(f"{instance}/rendered", {"window": "40"}),
        "badViewport": status(f"{instance}/rendered", {"viewport": "0,0"}),
        "pdf": status(f"{instance}/rendered", accept="application/pdf"),
        "frame3of2": status(f"{base}/studies/{mf['study']}/series/{mf['series']}/instances/{mf['sop']}/frames/3/rendered"),
        "unknownInstance": status(f"{base}/studies/{ct['study']}/series/{ct['series']}/instances/1.2.3.4.5/rendered"),
        "wadoNoRequestType": status(wado, {k: v for k, v in ids.items() if k != "requestType"}),
        "wadoGif": status(wado, {**ids, "contentType": "image/gif"}),
        "wadoUnknown": status(wado, {**ids, "objectUID": "1.2.3.4.5"}),
    }
    return facts


def grey_image(pixels, signed, bits_stored):
    """A 64x64 DX For Presentation image holding `pixels` (Explicit VR Little Endian)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = DX_FOR_PRESENTATION
    ds.SOPClassUID = DX_FOR_PRESENTATION
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientID, ds.PatientName, ds.Modality = "LUT-E2E", "Lut^Peer", "DX"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, bits_stored, bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.PixelData = pixels.astype("<i2" if signed else "<u2").tobytes()
    return ds


def lut_images(item):
    rng = np.random.default_rng(3010)
    # VOI LUT: 4096 12-bit entries from stored value 2000 on, an S-shaped curve; the stored values run
    # from 0 to 8000, so some fall below the first mapped value and some past the last. No window.
    voi = grey_image(rng.integers(0, 8001, size=(64, 64)), signed=False, bits_stored=16)
    table = Dataset()
    table.LUTDescriptor = [4096, 2000, 12]
    # LUT Data as US (in the metadata a list of numbers).
    table.add_new(0x00283006, "US", [int(v) for v in np.round(4095 / (1 + np.exp(-(np.arange(4096) - 2048) / 400)))])
    voi.VOILUTSequence = [table]

    # Modality LUT: 12-bit signed stored values through 65536 entries (the descriptor's 0) from stored
    # value -100 on (an SS second value), a square-root curve; then the image's own window.
    modality = grey_image(rng.integers(-2048, 2048, size=(64, 64)), signed=True, bits_stored=12)
    table = Dataset()
    table.add_new(0x00283002, "SS", [0, -100, 16])
    # LUT Data as OW: 128 KiB, which the metadata leaves as bulk data.
    table.add_new(0x00283006, "OW", np.round(65535 * np.sqrt(np.arange(65536) / 65535)).astype("<u2").tobytes())
    modality.ModalityLUTSequence = [table]
    modality.WindowCenter, modality.WindowWidth = 6000, 12000

    paths = []
    for name, ds in [("voi-lut.dcm", voi), ("modality-lut.dcm", modality)]:
        path = os.path.join(item["dir"], name)
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def check_luts(item):
    """Tessera's lossless PNG against pydicom's LUTs, brought to 8 bits as PS3.4 N.2.1.1 says."""
    client = DICOMwebClient(url=item["base"], headers={"Authorization": f"Bearer {item['token']}"})
    facts = {}
    for key in ["voi", "modality"]:
        ids = item[key]
        ds = pydicom.dcmread(ids["path"])
        values = apply_modality_lut(ds.pixel_array, ds)
        if key == "voi":
            # The VOI LUT's output spans its bits per entry; scaled to 0-255.
            expected = np.round(apply_voi_lut(values, ds).astype(np.float64) * 255 / (2 ** ds.VOILUTSequence[0].LUTDescriptor[2] - 1))
        else:
            expected = linear_window(values.astype(np.float64), float(ds.WindowCenter), float(ds.WindowWidth))
        png = decode(client.retrieve_instance_rendered(ids["study"], ids["series"], ids["sop"], media_types=("image/png",)))
        facts[key] = {"mode": png.mode, "size": list(png.size), "maxError": int(np.abs(np.asarray(png, dtype=np.float64) - expected).max()), "distinct": int(len(np.unique(expected)))}
    return facts


def store(item):
    client = DICOMwebClient(url=item["base"], headers={"Authorization": f"Bearer {item['token']}"})
    client.store_instances([pydicom.dcmread(p) for p in item["paths"]])
    return {"stored": len(item["paths"])}


def uids(paths):
    out = []
    for path in paths:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        out.append({"path": path, "study": str(ds.StudyInstanceUID), "series": str(ds.SeriesInstanceUID), "sop": str(ds.SOPInstanceUID)})
    return out


if __name__ == "__main__":
    commands = {"check": check, "check_luts": check_luts, "lut_images": lut_images, "store": store, "uids": uids}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    json.dump(commands[sys.argv[1]](json.load(sys.stdin)), sys.stdout)
