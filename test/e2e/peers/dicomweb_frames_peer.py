"""Retrieves frames from Tessera with dicomweb-client and compares them with what pydicom reads
from the original files, which no one here wrote.

  dicomweb_frames_peer.py compare < [{"base", "token", "study", "series", "sop", "path", "frames"}]
      -> per item: the stored syntax, and for each way of asking (as stored, by media type, decoded)
         whether every frame listed equals pydicom's
"""
import json
import sys

import numpy
import pydicom
from dicomweb_client.api import DICOMwebClient
from pydicom.encaps import generate_frames


def expected_frames(ds):
    """Frames as stored: native bytes of each frame, or each frame's fragments concatenated (PS3.5 A.4)."""
    count = int(ds.get("NumberOfFrames", 1) or 1)
    if ds.file_meta.TransferSyntaxUID.is_encapsulated:
        return list(generate_frames(ds.PixelData, number_of_frames=count))
    length = len(ds.PixelData) // count
    return [ds.PixelData[k * length:(k + 1) * length] for k in range(count)]


def compare(items):
    results = []
    for item in items:
        client = DICOMwebClient(url=item["base"], headers={"Authorization": f"Bearer {item['token']}"})
        ds = pydicom.dcmread(item["path"])
        syntax = ds.file_meta.TransferSyntaxUID
        expected = expected_frames(ds)
        numbers = item["frames"]
        wanted = [expected[n - 1] for n in numbers]

        def frames(media_types):
            return client.retrieve_instance_frames(item["study"], item["series"], item["sop"], frame_numbers=numbers, media_types=media_types)

        result = {"syntax": str(syntax), "default": frames(None) == wanted}
        if syntax.is_encapsulated:
            result["byMediaType"] = frames((("image/jpeg", str(syntax)),)) == wanted
            # Decoded by Tessera; JPEG decoders may round differently, so compare within a small tolerance.
            decoded = frames(("application/octet-stream",))
            pixels = ds.pixel_array
            diffs = []
            for n, data in zip(numbers, decoded):
                reference = pixels[n - 1].astype(numpy.int32).ravel()
                got = numpy.frombuffer(data, dtype=numpy.uint8).astype(numpy.int32)
                diffs.append(float(numpy.abs(got - reference).mean()) if got.size == reference.size else None)
            result["decodedClose"] = all(d is not None and d < 2.0 for d in diffs)
        else:
            result["explicitLittleEndian"] = frames((("application/octet-stream", "1.2.840.10008.1.2.1"),)) == wanted
        results.append(result)
    return results


if __name__ == "__main__":
    print(json.dumps({"compare": compare}[sys.argv[1]](json.load(sys.stdin))))
