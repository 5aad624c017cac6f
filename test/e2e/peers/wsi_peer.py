"""Opens a whole-slide image with wsidicom (a reader no one here wrote) through DICOMweb and from its files.

  wsi_peer.py generate --out DIR [wsi_slide.py options]          -> what wsi_slide.py wrote
  wsi_peer.py stow    < {"base", "token", "files"}                -> {"stored": [SOP Instance UIDs]}
  wsi_peer.py compare < {"base", "token", "study", "series", "dir", "tilesPerLevel", "seed"}
      -> {"levels": [{"level", "width", "height", "tiles"}], "compared": N, "mismatches": [...]}

`compare` reads the same random tiles of every level twice, with WsiDicom.open_web (QIDO-RS for the
instances, WADO-RS metadata, WADO-RS frames as image/jpeg) and with WsiDicom.open on the original files,
and reports every tile whose encoded bytes or decoded pixels differ.
"""
import json
import random
import sys

import numpy as np
import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from wsidicom import WsiDicom, WsiDicomWebClient

import wsi_slide


def session_for(token):
    """A requests session that sends the bearer token (RFC 6750) on every call."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def stow(item):
    client = DICOMwebClient(url=item["base"], session=session_for(item["token"]))
    stored = []
    for path in item["files"]:
        response = client.store_instances([pydicom.dcmread(path)])
        stored += [str(i.ReferencedSOPInstanceUID) for i in response.get("ReferencedSOPSequence", [])]
    return {"stored": stored}


def describe(a, b):
    """Where two decoded tiles differ, for the failure message."""
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    diff = np.argwhere(a != b)
    return f"{len(diff)} samples differ, first at {diff[0].tolist()}"


def compare(item):
    client = WsiDicomWebClient.create_client(item["base"], auth=session_for(item["token"]))
    web = WsiDicom.open_web(client, item["study"], item["series"], requested_transfer_syntax="1.2.840.10008.1.2.4.50")
    local = WsiDicom.open(item["dir"])
    rng = random.Random(item.get("seed", 1))
    result = {"levels": [], "compared": 0, "mismatches": []}
    if len(web.levels) != len(local.levels):
        result["mismatches"].append({"what": f"{len(web.levels)} levels through DICOMweb, {len(local.levels)} in the files"})
        return result
    for web_level, local_level in zip(web.levels, local.levels):
        level = local_level.level
        if web_level.size != local_level.size or web_level.tile_size != local_level.tile_size:
            result["mismatches"].append({"level": level, "what": f"size {web_level.size} / tiles {web_level.tile_size} through DICOMweb, {local_level.size} / {local_level.tile_size} in the files"})
            continue
        grid = local_level.tiled_size
        tiles = [(x, y) for y in range(grid.height) for x in range(grid.width)]
        # The corners always, then random tiles: the last row and column are where offsets go wrong.
        chosen = sorted({tiles[0], tiles[-1], *rng.sample(tiles, min(item["tilesPerLevel"], len(tiles)))})
        for x, y in chosen:
            remote_bytes = web.read_encoded_tile(level, (x, y))
            local_bytes = local.read_encoded_tile(level, (x, y))
            if remote_bytes != local_bytes:
                result["mismatches"].append({"level": level, "tile": [x, y], "what": f"encoded tile differs: {len(remote_bytes)} bytes through DICOMweb, {len(local_bytes)} in the file"})
                continue
            remote_pixels = np.asarray(web.read_tile(level, (x, y)))
            local_pixels = np.asarray(local.read_tile(level, (x, y)))
            if not np.array_equal(remote_pixels, local_pixels):
                result["mismatches"].append({"level": level, "tile": [x, y], "what": f"decoded tile differs: {describe(remote_pixels, local_pixels)}"})
            result["compared"] += 1
        result["levels"].append({"level": level, "width": local_level.size.width, "height": local_level.size.height, "tiles": len(chosen)})
    web.close()
    local.close()
    return result


def main():
    command = sys.argv[1]
    if command == "generate":
        sys.argv = [sys.argv[0], *sys.argv[2:]]
        wsi_slide.main()
        return
    item = json.load(sys.stdin)
    json.dump({"stow": stow, "compare": compare}[command](item), sys.stdout)


if __name__ == "__main__":
    main()
