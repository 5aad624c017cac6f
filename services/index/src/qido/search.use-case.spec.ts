import { tagKey, Tags } from '@tessera/dicom';
import { MemoryInstanceIndex, type IndexedInstance } from '@tessera/index-store';
import { SearchUseCase } from './search.use-case';

const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const WSI = '1.2.840.10008.5.1.4.1.1.77.1.6';

function slideLevel(sop: string): IndexedInstance {
  return {
    tenant: 'default',
    studyInstanceUID: '1.2.3',
    seriesInstanceUID: '1.2.3.4',
    sopInstanceUID: sop,
    sopClassUID: WSI,
    transferSyntaxUID: JPEG_BASELINE,
    objectKey: `default/1.2.3/1.2.3.4/${sop}/v1.dcm`,
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'a'.repeat(64),
    storedAt: new Date('2025-01-01T00:00:00Z'),
    metadata: {
      '00080016': { vr: 'UI', Value: [WSI] },
      '00080018': { vr: 'UI', Value: [sop] },
      '00080060': { vr: 'CS', Value: ['SM'] },
      '0020000D': { vr: 'UI', Value: ['1.2.3'] },
      '0020000E': { vr: 'UI', Value: ['1.2.3.4'] },
      '00200013': { vr: 'IS', Value: [1] },
    },
  };
}

describe('SearchUseCase', () => {
  it('answers AvailableTransferSyntaxUID of an instance with the syntax it is stored in, when asked for it', async () => {
    const index = new MemoryInstanceIndex();
    await index.index(slideLevel('1.2.3.4.1'));
    const search = new SearchUseCase(index);
    const command = { tenant: 'default', level: 'IMAGE' as const, study: '1.2.3', baseUrl: 'http://x/dicomweb' };
    // The query wsidicom sends to open a slide.
    const asked = await search.execute({ ...command, params: [['SOPClassUID', WSI], ['Modality', 'SM'], ['includefield', 'AvailableTransferSyntaxUID']] });
    expect(asked.kind === 'matches' && asked.matches.map((m) => m[tagKey(Tags.AvailableTransferSyntaxUID)])).toEqual([{ vr: 'UI', Value: [JPEG_BASELINE] }]);
    const notAsked = await search.execute({ ...command, params: [] });
    expect(notAsked.kind === 'matches' && notAsked.matches.map((m) => tagKey(Tags.AvailableTransferSyntaxUID) in m)).toEqual([false]);
  });
});
