import type { DicomJsonDataset } from '@tessera/dicom';
import { renderingAttributes, type BulkDataReader } from './rendering-attributes';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const noBulk: BulkDataReader = (uri) => Promise.reject(new Error(`unexpected bulk read of ${uri}`));

const le = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
};
const item = (descriptor: number[], data: DicomJsonDataset[string]): DicomJsonDataset => ({ '00283002': { vr: 'US', Value: descriptor }, '00283006': data });
const voiLutOf = (lutItem: DicomJsonDataset, extra: DicomJsonDataset = {}): DicomJsonDataset => ({ '00283010': { vr: 'SQ', Value: [lutItem] }, ...extra });
const modalityLutOf = (lutItem: DicomJsonDataset, extra: DicomJsonDataset = {}): DicomJsonDataset => ({ '00283000': { vr: 'SQ', Value: [lutItem] }, ...extra });
const signed = { '00280103': { vr: 'US' as const, Value: [1] }, '00280101': { vr: 'US' as const, Value: [12] } };

describe('LUT Descriptor and LUT Data (PS3.3 C.11.1.1.1, C.11.2.1.1)', () => {
  it('reads a first value of 0 as 65536 entries', async () => {
    const data = le(Array.from({ length: 65536 }, (_, i) => i));
    const { voiLut } = await renderingAttributes(voiLutOf(item([0, 0, 16], { vr: 'OW', BulkDataURI: 'bulkdata/0-131072' })), () => Promise.resolve(data), EXPLICIT_LE);
    expect(voiLut?.entries.length).toBe(65536);
    expect(voiLut?.entries[65535]).toBe(65535);
  });

  it('reads the first mapped value as SS for signed pixels, whether the metadata gave it as US or SS', async () => {
    const data = { vr: 'US' as const, Value: [1, 2] };
    const asUs = await renderingAttributes(modalityLutOf(item([2, 0xf800, 16], data), signed), noBulk, EXPLICIT_LE);
    const asSs = await renderingAttributes(modalityLutOf({ ...item([2, 0, 16], data), '00283002': { vr: 'SS', Value: [2, -2048, 16] } }, signed), noBulk, EXPLICIT_LE);
    expect([asUs.modalityLut?.firstMapped, asSs.modalityLut?.firstMapped]).toEqual([-2048, -2048]);
    // Unsigned pixels: the same 16 bits are 63488.
    expect((await renderingAttributes(modalityLutOf(item([2, 0xf800, 16], data)), noBulk, EXPLICIT_LE)).modalityLut?.firstMapped).toBe(63488);
  });

  it('reads the VOI LUT first value as US after a Modality LUT Sequence, as SS after a rescale that goes below 0', async () => {
    const voi = item([2, 0xfc00, 16], { vr: 'US', Value: [0, 65535] });
    const modality = { '00283000': { vr: 'SQ' as const, Value: [item([2, 0, 16], { vr: 'US', Value: [0, 1] })] } };
    expect((await renderingAttributes(voiLutOf(voi, { ...signed, ...modality }), noBulk, EXPLICIT_LE)).voiLut?.firstMapped).toBe(0xfc00);
    const ct = { '00281052': { vr: 'DS' as const, Value: [-1024] }, '00281053': { vr: 'DS' as const, Value: [1] } };
    expect((await renderingAttributes(voiLutOf(voi, ct), noBulk, EXPLICIT_LE)).voiLut?.firstMapped).toBe(-1024);
    expect((await renderingAttributes(voiLutOf(voi), noBulk, EXPLICIT_LE)).voiLut?.firstMapped).toBe(0xfc00);
  });

  it('reads 8-bit entries one to a 16-bit word (keeping the low byte) or packed two to a word', async () => {
    const wordEach = await renderingAttributes(voiLutOf(item([3, 0, 8], { vr: 'US', Value: [0x0110, 0x0020, 0x00ff] })), noBulk, EXPLICIT_LE);
    expect([...(wordEach.voiLut?.entries ?? [])]).toEqual([0x10, 0x20, 0xff]);
    const packed = await renderingAttributes(voiLutOf(item([4, 0, 8], { vr: 'OW', InlineBinary: Buffer.from([1, 2, 3, 4]).toString('base64') })), noBulk, EXPLICIT_LE);
    expect([...(packed.voiLut?.entries ?? [])]).toEqual([1, 2, 3, 4]);
  });

  it('swaps LUT and palette bulk data stored big endian, not InlineBinary (always little endian)', async () => {
    const be = Buffer.from([0x12, 0x34, 0x00, 0x01]);
    const bulk: BulkDataReader = () => Promise.resolve(Buffer.from(be));
    const fromBulk = await renderingAttributes(voiLutOf(item([2, 0, 16], { vr: 'OW', BulkDataURI: 'bulkdata/0-4' })), bulk, BIG_ENDIAN);
    expect([...(fromBulk.voiLut?.entries ?? [])]).toEqual([0x1234, 0x0001]);
    const inline = await renderingAttributes(voiLutOf(item([2, 0, 16], { vr: 'OW', InlineBinary: le([0x1234, 1]).toString('base64') })), noBulk, BIG_ENDIAN);
    expect([...(inline.voiLut?.entries ?? [])]).toEqual([0x1234, 0x0001]);
    const descriptor = { vr: 'US' as const, Value: [2, 0, 16] };
    const palette = await renderingAttributes(
      { '00280004': { vr: 'CS', Value: ['PALETTE COLOR'] }, '00281101': descriptor, '00281102': descriptor, '00281103': descriptor, '00281201': { vr: 'OW', BulkDataURI: 'bulkdata/0-4' }, '00281202': { vr: 'OW', BulkDataURI: 'bulkdata/0-4' }, '00281203': { vr: 'OW', BulkDataURI: 'bulkdata/0-4' } },
      bulk,
      BIG_ENDIAN,
    );
    expect(palette.palette?.red.data.readUInt16LE(0)).toBe(0x1234);
  });

  it('refuses a descriptor that is not three values, bits per entry outside 8–16, and data shorter than the entries', async () => {
    await expect(renderingAttributes(voiLutOf(item([2, 0], { vr: 'US', Value: [1, 2] })), noBulk, EXPLICIT_LE)).rejects.toThrow('VOI LUT Descriptor (0028,3002) is missing or not three values');
    await expect(renderingAttributes(voiLutOf(item([2, 0, 20], { vr: 'US', Value: [1, 2] })), noBulk, EXPLICIT_LE)).rejects.toThrow('20 bits per entry');
    await expect(renderingAttributes(modalityLutOf(item([3, 0, 16], { vr: 'US', Value: [1, 2] })), noBulk, EXPLICIT_LE)).rejects.toThrow('Modality LUT Data has 2 words for 3 entries');
    await expect(renderingAttributes(voiLutOf({ '00283002': { vr: 'US', Value: [2, 0, 16] } }), noBulk, EXPLICIT_LE)).rejects.toThrow('VOI LUT Data (0028,3006) is missing');
  });
});
