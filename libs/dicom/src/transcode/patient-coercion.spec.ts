import { Readable } from 'node:stream';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DicomJsonBuilder } from '../json/dicom-json-builder';
import type { DicomJsonDataset } from '../json/dicom-json';
import { DatasetParser } from '../parser/dataset-parser';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs, type TransferSyntax } from '../transfer-syntax';
import { encodeDataset, type ElementSpec } from '../writer/dataset-writer';
import { coercePatient } from './patient-coercion';

const pixels = Buffer.alloc(300_000);
for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;

const object = (extra: ElementSpec[] = []): ElementSpec[] => [
  { tag: 0x00080016, value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: 0x00080018, value: '1.2.3.4.5' },
  { tag: 0x00080050, value: 'ACC-1' },
  { tag: 0x00100010, value: 'Prior^Name' },
  { tag: 0x00100020, value: 'PRIOR-1' },
  { tag: 0x00100030, value: '19700101' },
  // Patient's Age belongs to the study (Patient Study Module): never coerced.
  { tag: 0x00101010, value: '054Y' },
  { tag: 0x0020000d, value: '1.2.3' },
  { tag: 0x00400275, vr: 'SQ', value: [[{ tag: 0x00100020, value: 'IN-ITEM' }]] },
  { tag: 0x7fe00010, vr: 'OB', value: pixels },
  ...extra,
];

const survivor: DicomJsonDataset = {
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Survivor^Name' }] },
  '00100020': { vr: 'LO', Value: ['SURV-1'] },
  '00100021': { vr: 'LO', Value: ['HOSP'] },
  '00100040': { vr: 'CS', Value: ['F'] },
};

async function run(data: Buffer, ts: TransferSyntax, patient: DicomJsonDataset, chunk = 1000): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of coercePatient(Readable.from(parts), ts, patient)) out.push(c as Buffer);
  return Buffer.concat(out);
}

function json(data: Buffer, ts: Pick<TransferSyntax, 'explicitVR' | 'littleEndian'> = EXPLICIT_VR_LITTLE_ENDIAN): DicomJsonDataset {
  const builder = new DicomJsonBuilder((r) => `${r.offset}+${r.length}`);
  const parser = new DatasetParser(ts, builder);
  parser.push(data);
  parser.end();
  return builder.dataset;
}

describe('coercePatient', () => {
  it.each([
    ['Explicit VR Little Endian', EXPLICIT_VR_LITTLE_ENDIAN],
    ['Implicit VR Little Endian', IMPLICIT_VR_LITTLE_ENDIAN],
  ])('gives a %s object the current patient attributes and leaves every other byte as it was', async (_name, ts) => {
    const data = encodeDataset(object(), ts);
    const out = await run(data, ts, survivor, 777);
    const before = json(data, ts);
    const after = json(out, ts);
    expect(after['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Survivor^Name' }] });
    expect(after['00100020']).toEqual({ vr: 'LO', Value: ['SURV-1'] });
    expect(after['00100021']).toEqual({ vr: 'LO', Value: ['HOSP'] });
    expect(after['00100040']).toEqual({ vr: 'CS', Value: ['F'] });
    // What the current record does not have is kept present, without a value (Type 2).
    expect(after['00100030']).toEqual({ vr: 'DA' });
    const untouched = (ds: DicomJsonDataset): DicomJsonDataset => Object.fromEntries(Object.entries(ds).filter(([k]) => !['00100010', '00100020', '00100021', '00100030', '00100040', '7FE00010'].includes(k)));
    expect(untouched(after)).toEqual(untouched(before));
    // Everything from group 0011 on is the same bytes: nested Patient IDs and pixel data included.
    const tail = data.subarray(data.indexOf(Buffer.from([0x20, 0x00, 0x0d, 0x00])));
    expect(out.subarray(out.length - tail.length)).toEqual(tail);
  });

  it('passes an object whose patient attributes are the current ones through byte for byte', async () => {
    const data = encodeDataset(object(), EXPLICIT_VR_LITTLE_ENDIAN);
    const current = Object.fromEntries(Object.entries(json(data)).filter(([k]) => ['00100010', '00100020', '00100030'].includes(k)));
    expect(await run(data, EXPLICIT_VR_LITTLE_ENDIAN, current, 333)).toEqual(data);
    // Empty attributes say nothing: the record lacking Issuer of Patient ID matches an empty one.
    const withEmptyIssuer = encodeDataset([...object(), { tag: 0x00100021, vr: 'LO', value: '' }], EXPLICIT_VR_LITTLE_ENDIAN);
    expect(await run(withEmptyIssuer, EXPLICIT_VR_LITTLE_ENDIAN, current)).toEqual(withEmptyIssuer);
  });

  it('coerces a data set that ends before group 0011, and one read in a single chunk', async () => {
    const data = encodeDataset(object().filter((e) => e.tag <= 0x00101010), EXPLICIT_VR_LITTLE_ENDIAN);
    expect(json(await run(data, EXPLICIT_VR_LITTLE_ENDIAN, survivor, 7))['00100020']).toEqual({ vr: 'LO', Value: ['SURV-1'] });
    expect(json(await run(data, EXPLICIT_VR_LITTLE_ENDIAN, survivor, data.length))['00100020']).toEqual({ vr: 'LO', Value: ['SURV-1'] });
  });

  it('writes names in the object’s Specific Character Set, and fails rather than write one it cannot hold', async () => {
    const latin1 = encodeDataset(object([{ tag: 0x00080005, value: 'ISO_IR 100' }]), EXPLICIT_VR_LITTLE_ENDIAN);
    const accented = { ...survivor, '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Müller^Zoë' }] } };
    const out = await run(latin1, EXPLICIT_VR_LITTLE_ENDIAN, accented);
    expect(out.includes(Buffer.from('Müller^Zoë', 'latin1'))).toBe(true);
    expect(json(out)['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Müller^Zoë' }] });
    const ascii = encodeDataset(object(), EXPLICIT_VR_LITTLE_ENDIAN);
    await expect(run(ascii, EXPLICIT_VR_LITTLE_ENDIAN, { ...survivor, '00100010': { vr: 'PN', Value: [{ Alphabetic: '山田^太郎' }] } })).rejects.toThrow();
  });

  it('inflates, coerces and deflates a Deflated Explicit VR Little Endian data set', async () => {
    const ts = lookupTransferSyntax(TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian) as TransferSyntax;
    const data = encodeDataset(object(), EXPLICIT_VR_LITTLE_ENDIAN);
    const out = await run(deflateRawSync(data), ts, survivor);
    expect(json(inflateRawSync(out))['00100020']).toEqual({ vr: 'LO', Value: ['SURV-1'] });
  });

  it('fails on a malformed header instead of sending it', async () => {
    const data = encodeDataset(object(), EXPLICIT_VR_LITTLE_ENDIAN);
    const broken = Buffer.from(data);
    broken.write('ZZ', 4 + data.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00])), 'latin1');
    await expect(run(broken, EXPLICIT_VR_LITTLE_ENDIAN, survivor)).rejects.toThrow(/Invalid VR/);
  });
});
