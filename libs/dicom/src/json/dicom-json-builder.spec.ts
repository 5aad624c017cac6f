import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../transfer-syntax';
import { DatasetParser } from '../parser/dataset-parser';
import { encodeDataset } from '../writer/dataset-writer';
import { DicomJsonBuilder } from './dicom-json-builder';

describe('DicomJsonBuilder', () => {
  it('reads standard elements sent as UN with their dictionary VR, sequences included (PS3.5 6.2.2)', () => {
    const sequence = encodeDataset([{ tag: 0x00400275, vr: 'SQ', value: [[{ tag: 0x00401001, value: 'RP7' }]] }], IMPLICIT_VR_LITTLE_ENDIAN).subarray(8);
    const data = encodeDataset(
      [
        { tag: 0x00080018, vr: 'UN', value: Buffer.from('1.2.3.4\0') },
        { tag: 0x00280010, vr: 'UN', value: Buffer.from([0x00, 0x02]) },
        { tag: 0x00400275, vr: 'UN', value: sequence },
        { tag: 0x00091010, vr: 'UN', value: Buffer.from('private!') },
      ],
      EXPLICIT_VR_LITTLE_ENDIAN,
    );
    const builder = new DicomJsonBuilder(() => 'bulk');
    const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, builder);
    parser.push(data);
    parser.end();
    expect(builder.dataset['00080018']).toEqual({ vr: 'UI', Value: ['1.2.3.4'] });
    expect(builder.dataset['00280010']).toEqual({ vr: 'US', Value: [512] });
    expect(builder.dataset['00400275']).toEqual({ vr: 'SQ', Value: [{ '00401001': { vr: 'SH', Value: ['RP7'] } }] });
    expect(builder.dataset['00091010']).toEqual({ vr: 'UN', InlineBinary: Buffer.from('private!').toString('base64') });
  });
});
