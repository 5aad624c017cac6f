import { sortDataset, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';

const SPECIFIC_CHARACTER_SET = tagKey(Tags.SpecificCharacterSet);

/**
 * The attributes Tessera keeps for a step: `base` with each attribute of `changes` replacing it whole
 * (an N-SET carries every item of a sequence it changes, PS3.4 F.7.2.2.2), in tag order. Text is held
 * decoded to Unicode, so the Specific Character Set kept is ISO_IR 192 whatever each request was
 * encoded in: an N-SET's own character set does not replace the step's (F.7.2.2.3).
 */
export function storedAttributes(changes: DicomJsonDataset, base: DicomJsonDataset = {}): DicomJsonDataset {
  const merged: DicomJsonDataset = { ...base, ...changes, [SPECIFIC_CHARACTER_SET]: { vr: 'CS', Value: ['ISO_IR 192'] } };
  return sortDataset(merged);
}

/** Size of the attributes as JSON, in bytes: what a step's row and its events carry. */
export function attributesSize(attributes: DicomJsonDataset): number {
  return Buffer.byteLength(JSON.stringify(attributes));
}
