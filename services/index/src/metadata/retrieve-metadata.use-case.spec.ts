import type { DicomJsonDataset } from '@tessera/dicom';
import { MemoryInstanceIndex } from '@tessera/index-store';
import { RetrieveMetadataUseCase } from './retrieve-metadata.use-case';

const STUDY = '1.2.3';
const BASE = 'http://pacs.example/dicomweb';

function stored(series: string, sop: string, number: number, extra: DicomJsonDataset = {}) {
  return {
    tenant: 'default',
    studyInstanceUID: STUDY,
    seriesInstanceUID: series,
    sopInstanceUID: sop,
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: `default/${STUDY}/${series}/${sop}/v1.dcm`,
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'a'.repeat(64),
    storedAt: new Date('2024-01-01T00:00:00Z'),
    metadata: {
      '00080018': { vr: 'UI' as const, Value: [sop] },
      '0020000D': { vr: 'UI' as const, Value: [STUDY] },
      '0020000E': { vr: 'UI' as const, Value: [series] },
      '00200013': { vr: 'IS' as const, Value: [number] },
      ...extra,
    },
  };
}

describe('RetrieveMetadataUseCase (PS3.18 10.4.1.1.2)', () => {
  it('gives each instance as DICOM JSON text in instance order, its relative BulkDataURIs made absolute, nested ones too', async () => {
    const index = new MemoryInstanceIndex();
    await index.index(stored('1.2.3.1', '1.2.3.1.2', 2, { '7FE00010': { vr: 'OW', BulkDataURI: 'bulkdata/1000-512' } }));
    await index.index(
      stored('1.2.3.1', '1.2.3.1.1', 1, {
        // A referenced series' UID inside a sequence must not be taken for the instance's own.
        '00081115': { vr: 'SQ', Value: [{ '0020000E': { vr: 'UI', Value: ['9.9'] }, '00420011': { vr: 'OB', BulkDataURI: 'bulkdata/10-20' } }] },
        '00282000': { vr: 'OB', BulkDataURI: 'https://elsewhere.example/icc' },
        '00080080': { vr: 'LO', Value: ['"BulkDataURI": "x"'] },
      }),
    );
    const texts = await new RetrieveMetadataUseCase(index).execute({ tenant: 'default', study: STUDY, series: '1.2.3.1', baseUrl: BASE });
    const [first, second] = (texts ?? []).map((t) => JSON.parse(t) as DicomJsonDataset);
    const url = (sop: string) => `${BASE}/studies/${STUDY}/series/1.2.3.1/instances/${sop}`;
    expect(first?.['00081115']?.Value?.[0]).toMatchObject({ '00420011': { vr: 'OB', BulkDataURI: `${url('1.2.3.1.1')}/bulkdata/10-20` } });
    expect(first?.['00282000']?.BulkDataURI).toBe('https://elsewhere.example/icc');
    expect(first?.['00080080']?.Value).toEqual(['"BulkDataURI": "x"']);
    expect(second?.['7FE00010']?.BulkDataURI).toBe(`${url('1.2.3.1.2')}/bulkdata/1000-512`);
    expect(await new RetrieveMetadataUseCase(index).execute({ tenant: 'default', study: '9.9.9', baseUrl: BASE })).toBeUndefined();
  });
});
