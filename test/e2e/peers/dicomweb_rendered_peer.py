"""Checks Tessera's rendered, thumbnail and WADO-URI resources with clients no one here wrote.

  dicomweb_rendered_peer.py uids  < ["path", ...]  -> [{"path", "study", "series", "sop"}]
  dicomweb_rendered_peer.py store < {"base", "token", "paths"} -> the STOW-RS status (dicomweb-client)
  dicomweb_rendered_peer.py check < {"base", "token", "ct": {"path", "study", "series", "sop"}, "multiframe": {...}}
      -> facts about each response, for the e2e spec to compare

Images are decoded with Pillow; what they should show is computed here from pydicom's own pixel
decoding and the PS3.3 C.11.2.1.2 window, independently of Tessera's code.
"""
import io
import json
import sys

import numpy as np
import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from PIL import Image


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
    commands = {"check": check, "store": store, "uids": uids}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    json.dump(commands[sys.argv[1]](json.load(sys.stdin)), sys.stdout)
