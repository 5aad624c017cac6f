"""Writes a synthetic whole-slide image: a VL Whole Slide Microscopy Image pyramid, one Part 10 file per level.

  wsi_slide.py --out DIR [--tiles-across N] [--tiles-down M] [--tile 256] [--levels K] [--quality 85] [--seed S]
      -> {"study", "series", "files": [...], "levels": [{"file", "sop", "columns", "rows", "frames", "bytes"}], "bytes"}

PS3.3 A.32.8 (VL Whole Slide Microscopy Image IOD), with the Multi-frame Dimension Module (C.7.6.17) in its
TILED_FULL organisation (C.8.12.4.1.2: frames fill the total pixel matrix row by row, so no Per-frame
Functional Groups Sequence), JPEG Baseline tiles (1.2.840.10008.1.2.4.50), one fragment per frame and a
Basic Offset Table (PS3.5 A.4). Level 0 is the full resolution; each further level halves both sides.

The pixels are deterministic (same seed, same bytes) and every tile differs from every other: a smooth
stain-like colour field that depends on the tile's place in the slide, fine texture, and the level and
tile number drawn as a binary stamp in the tile's corner. A multi-GB slide is written streaming: one
tile in memory at a time, the offset table patched in place once the fragments are written.
"""
import argparse
import datetime
import io
import json
import math
import os
import struct
import sys

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import JPEGBaseline8Bit, generate_uid

VL_WHOLE_SLIDE_MICROSCOPY = "1.2.840.10008.5.1.4.1.1.77.1.6"
# The Basic Offset Table holds 32-bit offsets (PS3.5 A.4): a level must stay below 4 GiB of fragments.
MAX_BOT_BYTES = 0xFFFFFFFF


def code(value, scheme, meaning):
    ds = Dataset()
    ds.CodeValue = value
    ds.CodingSchemeDesignator = scheme
    ds.CodeMeaning = meaning
    return ds


def tile_pixels(level, tx, ty, size, texture):
    """One tile's RGB pixels: a colour field from its place in the slide, texture, and a stamp of (level, tile)."""
    scale = 2 ** level
    # Slide coordinates in level-0 pixels, so that a place has similar colours at every level. Each
    # channel is a sum of separable terms (outer products), cheap enough for a multi-GB slide.
    gx = ((tx * size + np.arange(size, dtype=np.float32)) * scale)[np.newaxis, :]
    gy = ((ty * size + np.arange(size, dtype=np.float32)) * scale)[:, np.newaxis]
    r = 200 + 40 * np.cos(gy / 2100.0) * np.sin(gx / 1500.0)
    g = 140 + 60 * (np.sin(gx / 1800.0) * np.cos(gy / 1800.0) + np.cos(gx / 1800.0) * np.sin(gy / 1800.0))
    b = 190 + 50 * (np.cos(gy / 1300.0) * np.cos(gx / 2700.0) + np.sin(gy / 1300.0) * np.sin(gx / 2700.0))
    rgb = np.stack([r, g, b], axis=-1) + texture[(tx + ty * 7 + level * 13) % len(texture)]
    # 4 x 8 cells of 8 x 8 pixels: bit i of (level << 24 | tile number) black or white.
    number = ((level & 0xFF) << 24) | (ty * 4096 + tx)
    for i in range(32):
        cy, cx = divmod(i, 8)
        rgb[4 + cy * 8 : 12 + cy * 8, 4 + cx * 8 : 12 + cx * 8] = 255 if (number >> (31 - i)) & 1 else 0
    return np.clip(rgb, 0, 255).astype(np.uint8)


def encode_jpeg(pixels, quality):
    with io.BytesIO() as out:
        # 4:2:2 chroma subsampling, as YBR_FULL_422 says (PS3.3 C.7.6.3.1.2).
        Image.fromarray(pixels, "RGB").save(out, format="JPEG", quality=quality, subsampling=1)
        return out.getvalue()


def level_dataset(common, sop, level, columns, rows, tile, frames, base_spacing_mm):
    ds = Dataset()
    ds.update(common)
    ds.SOPInstanceUID = sop
    ds.InstanceNumber = level + 1
    # PS3.3 C.8.12.4.1.1: the base level is ORIGINAL/NONE, the downsampled ones DERIVED/RESAMPLED.
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"] if level == 0 else ["DERIVED", "PRIMARY", "VOLUME", "RESAMPLED"]
    spacing = base_spacing_mm * 2**level
    ds.TotalPixelMatrixColumns = columns
    ds.TotalPixelMatrixRows = rows
    ds.TotalPixelMatrixFocalPlanes = 1
    ds.NumberOfFocalPlanes = 1
    ds.ImagedVolumeWidth = round(columns * spacing, 6)
    ds.ImagedVolumeHeight = round(rows * spacing, 6)
    ds.ImagedVolumeDepth = 0.001
    ds.Rows = tile
    ds.Columns = tile
    ds.NumberOfFrames = frames
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionMethod = "ISO_10918_1"
    ds.LossyImageCompressionRatio = 10
    ds.DimensionOrganizationType = "TILED_FULL"
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing = [round(spacing, 9), round(spacing, 9)]
    measures.SliceThickness = 0.001
    shared.PixelMeasuresSequence = Sequence([measures])
    frame_type = Dataset()
    frame_type.FrameType = list(ds.ImageType)
    shared.WholeSlideMicroscopyImageFrameTypeSequence = Sequence([frame_type])
    optical = Dataset()
    optical.OpticalPathIdentifier = "1"
    shared.OpticalPathIdentificationSequence = Sequence([optical])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.ContentQualification = "RESEARCH"
    return ds


def common_attributes(study, series, frame_of_reference, pyramid, now):
    ds = Dataset()
    ds.SOPClassUID = VL_WHOLE_SLIDE_MICROSCOPY
    ds.SpecificCharacterSet = "ISO_IR 192"
    # Patient, study, series (PS3.3 C.7.1.1, C.7.2.1, C.7.3.1, C.8.12.3).
    ds.PatientName = "Synthetic^Slide"
    ds.PatientID = "WSI-0001"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study
    ds.StudyDate = now.strftime("%Y%m%d")
    ds.StudyTime = now.strftime("%H%M%S")
    ds.StudyID = "WSI1"
    ds.AccessionNumber = "WSI0001"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "Synthetic whole-slide image"
    ds.Modality = "SM"
    ds.SeriesInstanceUID = series
    ds.SeriesNumber = 1
    ds.SeriesDescription = "Synthetic H&E pyramid"
    ds.FrameOfReferenceUID = frame_of_reference
    ds.PositionReferenceIndicator = "SLIDE_CORNER"
    ds.PyramidUID = pyramid
    # Equipment (C.7.5.1, C.7.5.2).
    ds.Manufacturer = "Tessera"
    ds.ManufacturerModelName = "wsi_slide.py"
    ds.DeviceSerialNumber = "0"
    ds.SoftwareVersions = "1"
    ds.ContentDate = ds.StudyDate
    ds.ContentTime = ds.StudyTime
    ds.AcquisitionDateTime = now.strftime("%Y%m%d%H%M%S")
    ds.BurnedInAnnotation = "NO"
    ds.SpecimenLabelInImage = "NO"
    ds.VolumetricProperties = "VOLUME"
    ds.FocusMethod = "AUTO"
    ds.ExtendedDepthOfField = "NO"
    ds.NumberOfOpticalPaths = 1
    # Slide coordinates: image rows run along the slide's X axis (C.8.12.2.1.1, the usual orientation).
    ds.ImageOrientationSlide = [0, -1, 0, -1, 0, 0]
    origin = Dataset()
    origin.XOffsetInSlideCoordinateSystem = 20.0
    origin.YOffsetInSlideCoordinateSystem = 40.0
    ds.TotalPixelMatrixOriginSequence = Sequence([origin])
    # Multi-frame Dimension Module (C.7.6.17): the tile position in the total pixel matrix, row then column.
    organization = generate_uid()
    dim_org = Dataset()
    dim_org.DimensionOrganizationUID = organization
    ds.DimensionOrganizationSequence = Sequence([dim_org])
    index = []
    for pointer in (0x0048021F, 0x0048021E):  # RowPositionInTotalImagePixelMatrix, ColumnPosition…
        d = Dataset()
        d.DimensionOrganizationUID = organization
        d.DimensionIndexPointer = pointer
        d.FunctionalGroupPointer = 0x0048021A  # PlanePositionSlideSequence
        index.append(d)
    ds.DimensionIndexSequence = Sequence(index)
    # Specimen Module (C.7.6.22) and the Optical Path Module (C.8.12.5).
    ds.ContainerIdentifier = "SLIDE-1"
    ds.IssuerOfTheContainerIdentifierSequence = Sequence([])
    ds.ContainerTypeCodeSequence = Sequence([code("433466003", "SCT", "Microscope slide")])
    specimen = Dataset()
    specimen.SpecimenIdentifier = "SPECIMEN-1"
    specimen.SpecimenUID = generate_uid()
    specimen.IssuerOfTheSpecimenIdentifierSequence = Sequence([])
    specimen.SpecimenPreparationSequence = Sequence([])
    ds.SpecimenDescriptionSequence = Sequence([specimen])
    path = Dataset()
    path.OpticalPathIdentifier = "1"
    path.OpticalPathDescription = "Brightfield"
    path.IlluminationTypeCodeSequence = Sequence([code("111744", "DCM", "Brightfield illumination")])
    path.IlluminationColorCodeSequence = Sequence([code("414298005", "SCT", "Full Spectrum")])
    ds.OpticalPathSequence = Sequence([path])
    ds.AcquisitionContextSequence = Sequence([])
    return ds


def item_header(length):
    """An encapsulated item: (FFFE,E000) and its 32-bit length (PS3.5 A.4)."""
    return struct.pack("<HHI", 0xFFFE, 0xE000, length)


def write_level(path, ds, level, tiles_across, tiles_down, tile, quality, texture):
    """Writes one level streaming; returns the number of bytes of its file."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.file_meta = meta
    frames = tiles_across * tiles_down
    partial = f"{path}.partial"
    with open(partial, "wb") as out:
        pydicom.dcmwrite(out, ds, enforce_file_format=True)
        # Pixel Data, OB, undefined length (PS3.5 A.4), in the dataset's Explicit VR Little Endian.
        out.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF))
        out.write(item_header(4 * frames))
        table_at = out.tell()
        out.write(b"\0" * (4 * frames))
        offsets = []
        position = 0
        # TILED_FULL: frames fill the matrix row by row, left to right (C.8.12.4.1.2).
        for ty in range(tiles_down):
            for tx in range(tiles_across):
                jpeg = encode_jpeg(tile_pixels(level, tx, ty, tile, texture), quality)
                if len(jpeg) % 2:
                    # Items have even lengths; a JPEG may end with padding after EOI (PS3.5 A.4).
                    jpeg += b"\0"
                if position > MAX_BOT_BYTES:
                    raise SystemExit(f"level {level} exceeds what a Basic Offset Table can address; use fewer tiles")
                offsets.append(position)
                out.write(item_header(len(jpeg)))
                out.write(jpeg)
                position += 8 + len(jpeg)
        out.write(struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
        out.seek(table_at)
        out.write(struct.pack(f"<{frames}I", *offsets))
    os.replace(partial, path)
    return os.path.getsize(path)


def generate(out_dir, tiles_across, tiles_down, tile, levels, quality, seed):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    # A few fine textures, chosen per tile; enough detail for realistic JPEG sizes.
    texture = [rng.normal(0, 9, (tile, tile, 3)).astype(np.float32) for _ in range(5)]
    # UIDs from the seed too, so that the same arguments give the same files.
    uid = lambda name: generate_uid(entropy_srcs=[str(seed), name])  # noqa: E731
    study, series = uid("study"), uid("series")
    now = datetime.datetime(2025, 1, 1, 12, 0, 0)
    base_spacing = 0.00025  # 0.25 µm per pixel, a 40x scan.
    common = common_attributes(study, series, uid("frame-of-reference"), uid("pyramid"), now)
    result = {"study": study, "series": series, "files": [], "levels": [], "bytes": 0}
    for level in range(levels):
        across = math.ceil(tiles_across / 2**level)
        down = math.ceil(tiles_down / 2**level)
        columns = max(1, (tiles_across * tile) // 2**level)
        rows = max(1, (tiles_down * tile) // 2**level)
        ds = level_dataset(common, uid(f"level-{level}"), level, columns, rows, tile, across * down, base_spacing)
        path = os.path.join(out_dir, f"level-{level}.dcm")
        size = write_level(path, ds, level, across, down, tile, quality, texture)
        result["files"].append(path)
        result["levels"].append({"file": path, "sop": ds.SOPInstanceUID, "columns": columns, "rows": rows, "frames": across * down, "bytes": size})
        result["bytes"] += size
        if across == 1 and down == 1:
            break
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--tiles-across", type=int, default=16)
    parser.add_argument("--tiles-down", type=int, default=12)
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--quality", type=int, default=85)
    parser.add_argument("--seed", type=int, default=1)
    a = parser.parse_args()
    json.dump(generate(a.out, a.tiles_across, a.tiles_down, a.tile, a.levels, a.quality, a.seed), sys.stdout)


if __name__ == "__main__":
    main()
