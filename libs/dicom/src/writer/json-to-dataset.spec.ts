import { characterSetEncoder } from '../charset-encoder';
import { implicitVR } from '../dictionary/dictionary';
import { DicomError } from '../errors';
import { DicomJsonBuilder } from '../json/dicom-json-builder';
import type { DicomJsonDataset } from '../json/dicom-json';
import { DatasetParser } from '../parser/dataset-parser';
import { parseTagKey } from '../tag';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs, type TransferSyntax } from '../transfer-syntax';
import { encodeJsonDataset, textsOf } from './json-to-dataset';

const EXPLICIT_VR_BIG_ENDIAN = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRBigEndian) as TransferSyntax;
const NATIVE: [string, TransferSyntax][] = [
  ['Implicit VR Little Endian', IMPLICIT_VR_LITTLE_ENDIAN],
  ['Explicit VR Little Endian', EXPLICIT_VR_LITTLE_ENDIAN],
  ['Explicit VR Big Endian', EXPLICIT_VR_BIG_ENDIAN],
];
const ASCII = characterSetEncoder(undefined);

function parse(bytes: Buffer, ts: TransferSyntax): DicomJsonDataset {
  const builder = new DicomJsonBuilder(() => 'bulk');
  const parser = new DatasetParser(ts, builder);
  parser.push(bytes);
  parser.end();
  return builder.dataset;
}

function base64(bytes: number[]): string {
  return Buffer.from(bytes).toString('base64');
}

// InlineBinary of little endian words.
function words(size: number, values: number[], write: (buf: Buffer, value: number, offset: number) => void): string {
  const buf = Buffer.alloc(size * values.length);
  values.forEach((v, i) => write(buf, v, i * size));
  return buf.toString('base64');
}

// One standard attribute of every VR (whose dictionary VR is that VR, so that Implicit VR reads it back
// the same) and a private UN, in the form DicomJsonBuilder produces.
const EVERY_VR: DicomJsonDataset = {
  '00080008': { vr: 'CS', Value: ['ORIGINAL', null, 'AXIAL'] },
  '00080018': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2.1'] },
  '00080020': { vr: 'DA', Value: ['20240229'] },
  '0008002A': { vr: 'DT', Value: ['20240229123456.789+0100'] },
  '00080030': { vr: 'TM', Value: ['123456.5'] },
  '00080081': { vr: 'ST', Value: ['  1 Main St\\Springfield'] },
  '00080119': { vr: 'UC', Value: ['first', null, 'third'] },
  '00081161': { vr: 'UL', Value: [0, 4294967295] },
  '00081163': { vr: 'FD', Value: [Number.MAX_VALUE, -Number.MIN_VALUE] },
  '00081190': { vr: 'UR', Value: ['https://pacs.example/studies/1.2.3'] },
  '00091010': { vr: 'UN', InlineBinary: base64([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]) },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John', Ideographic: 'DOE^J', Phonetic: 'doe^jon' }, null, { Phonetic: 'only^phonetic' }] },
  '00100020': { vr: 'LO', Value: ['PID-1'] },
  '00100218': { vr: 'UT', Value: ['Unlimited\r\ntext with a \\ backslash'] },
  '00101010': { vr: 'AS', Value: ['042Y'] },
  '00104000': { vr: 'LT', Value: ['Line one\r\nLine two'] },
  '00182043': { vr: 'FL', Value: [1.5, -0.25] },
  '00189219': { vr: 'SS', Value: [-32768, 32767] },
  '00200010': { vr: 'SH', Value: ['S1'] },
  '00200013': { vr: 'IS', Value: [-2147483648, null, 2147483647] },
  '00209165': { vr: 'AT', Value: ['00100010', '7FE00010'] },
  '00280010': { vr: 'US', Value: [0, 65535] },
  '00280030': { vr: 'DS', Value: [0.5, 1e-7] },
  '00281201': { vr: 'OW', InlineBinary: words(2, [0x0102, 0xfffe], (b, v, o) => b.writeUInt16LE(v, o)) },
  '0040A162': { vr: 'SL', Value: [-2147483648, 2147483647] },
  '00400001': { vr: 'AE', Value: ['STATION_A', 'B'] },
  '00420011': { vr: 'OB', InlineBinary: base64([1, 2, 3, 4]) },
  '00640009': { vr: 'OF', InlineBinary: words(4, [1.5, -2], (b, v, o) => b.writeFloatLE(v, o)) },
  '00660022': { vr: 'OD', InlineBinary: words(8, [Math.PI, -0.125], (b, v, o) => b.writeDoubleLE(v, o)) },
  '00660040': { vr: 'OL', InlineBinary: words(4, [1, 0xfffffffe], (b, v, o) => b.writeUInt32LE(v, o)) },
  '00720081': { vr: 'OV', InlineBinary: base64([1, 2, 3, 4, 5, 6, 7, 8]) },
  '00720082': { vr: 'SV', Value: ['-9223372036854775808', -9007199254740991, 9007199254740991, '9223372036854775807'] },
  '00720083': { vr: 'UV', Value: [0, '18446744073709551615'] },
  '00081199': {
    vr: 'SQ',
    Value: [
      { '00081150': { vr: 'UI', Value: ['1.2.3'] }, '00081155': { vr: 'UI', Value: ['1.2.3.4'] } },
      {},
      {
        '00400275': {
          vr: 'SQ',
          Value: [{ '00401001': { vr: 'SH', Value: ['RP7'] }, '00081199': { vr: 'SQ' } }],
        },
      },
    ],
  },
  '00321032': { vr: 'PN' },
  '00080090': { vr: 'PN', Value: [] },
};

describe('encodeJsonDataset', () => {
  it('uses standard attributes whose dictionary VR is the one they are given', () => {
    for (const [key, element] of Object.entries(EVERY_VR)) {
      if (key !== '00091010') expect([key, implicitVR(parseTagKey(key) as number)]).toEqual([key, element.vr]);
    }
  });

  it.each(NATIVE)('round-trips every VR, nested sequences and empty values through DatasetParser and DicomJsonBuilder in %s', (_, ts) => {
    // An empty Value array is written as an empty value, which reads back as no Value.
    expect(parse(encodeJsonDataset(EVERY_VR, ts, ASCII), ts)).toEqual({ ...EVERY_VR, '00080090': { vr: 'PN' } });
  });

  it.each(NATIVE)('round-trips Japanese person names and text under ISO 2022 IR 87 in %s', (_, ts) => {
    const terms = ['', 'ISO 2022 IR 87'];
    const dataset: DicomJsonDataset = {
      '00080005': { vr: 'CS', Value: [null, 'ISO 2022 IR 87'] },
      '00081030': { vr: 'LO', Value: ['胸部 CT', null, 'やまだ'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }] },
      '00104000': { vr: 'LT', Value: ['山田\r\n太郎\\です'] },
      '00400275': { vr: 'SQ', Value: [{ '00321032': { vr: 'PN', Value: [{ Alphabetic: 'Sato', Ideographic: '佐藤' }] } }] },
    };
    const bytes = encodeJsonDataset(dataset, ts, characterSetEncoder(terms));
    expect(parse(bytes, ts)).toEqual(dataset);
    // The PN value is the example of PS3.5 H.3.1, 60 bytes, so without padding.
    const h31 = '59616d6164615e5461726f753d1b24423b3345441b28425e1b244242404f3a1b28423d1b24422464245e24401b28425e1b2442243f246d24261b2842';
    expect(bytes.toString('hex')).toContain(ts.explicitVR ? `504e${ts.littleEndian ? '3c00' : '003c'}${h31}` : `3c000000${h31}`);
  });

  it('encodes an item that has its own Specific Character Set with it, as a receiver reads it (PS3.3 C.12.1.1.2)', () => {
    const dataset: DicomJsonDataset = {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Smith' }] },
      '00400275': {
        vr: 'SQ',
        Value: [{ '00080005': { vr: 'CS', Value: ['ISO_IR 100'] }, '00321032': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jörg' }] } }],
      },
    };
    const bytes = encodeJsonDataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN, ASCII);
    expect(bytes.includes(Buffer.from('M\u00fcller^J\u00f6rg', 'latin1'))).toBe(true);
    expect(parse(bytes, EXPLICIT_VR_LITTLE_ENDIAN)).toEqual(dataset);
    expect(textsOf(dataset)).toEqual(['Smith']);
  });

  it.each(NATIVE)('writes numbers at the limits of their VRs so that they read back in %s', (_, ts) => {
    const dataset: DicomJsonDataset = {
      '00081163': { vr: 'FD', Value: [Number.MAX_VALUE, Number.MIN_VALUE, -0, 'NaN', 'Infinity', '-Infinity'] },
      '00182043': { vr: 'FL', Value: [3.4028234663852886e38, 1.401298464324817e-45, 'NaN', '-Infinity'] },
      '00200013': { vr: 'IS', Value: [-2147483648, 2147483647, 0] },
      '00280030': { vr: 'DS', Value: [5e-324, -0, 1e21, 123456789012345, -1234567890.1234, 0.0001] },
    };
    expect(parse(encodeJsonDataset(dataset, ts, ASCII), ts)).toEqual(dataset);
  });

  it('writes DS in at most 16 characters, with an exponent when that keeps more precision (PS3.5 Table 6.2-1)', () => {
    const values = [0.1 + 0.2, 1 / 3, 123456789012345678, -1.2345678901234567e-300, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53 + 2, -Math.PI];
    const bytes = encodeJsonDataset({ '00280030': { vr: 'DS', Value: values } }, EXPLICIT_VR_LITTLE_ENDIAN, ASCII);
    const texts = bytes.subarray(8).toString('latin1').trimEnd().split('\\');
    expect(texts).toEqual(['0.3', '0.33333333333333', '1.23456789012e17', '-1.23456789e-300', '1.7976931348e308', '-1.797693134e308', '9007199254740994', '-3.1415926535898']);
    const read = parse(bytes, EXPLICIT_VR_LITTLE_ENDIAN)['00280030']?.Value as number[];
    read.forEach((n, i) => expect(Math.abs(n / (values[i] as number) - 1)).toBeLessThan(1e-9));
  });

  it('keeps DS and IS values that are not numbers as their text', () => {
    const dataset: DicomJsonDataset = { '00200013': { vr: 'IS', Value: ['12a'] }, '00280030': { vr: 'DS', Value: ['abc', 1.25] } };
    expect(parse(encodeJsonDataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN, ASCII), EXPLICIT_VR_LITTLE_ENDIAN)).toEqual(dataset);
  });

  it('writes headers, padding and undefined-length sequences with delimitation items (PS3.5 7.1, 7.5)', () => {
    const dataset: DicomJsonDataset = {
      '00400275': { vr: 'SQ', Value: [{ '00401001': { vr: 'SH', Value: ['ABC'] } }] },
      '00080018': { vr: 'UI', Value: ['1.2.3'] },
      '00080000': { vr: 'UL', Value: [999] },
      '00420011': { vr: 'OB', InlineBinary: base64([7, 8, 9]) },
    };
    expect(encodeJsonDataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN, ASCII).toString('hex')).toBe(
      [
        '08001800' + '5549' + '0600' + Buffer.from('1.2.3\0').toString('hex'),
        '40007502' + '5351' + '0000' + 'ffffffff',
        'feff00e0' + 'ffffffff',
        '40000110' + '5348' + '0400' + Buffer.from('ABC ').toString('hex'),
        'feff0de0' + '00000000',
        'feffdde0' + '00000000',
        '42001100' + '4f42' + '0000' + '04000000' + '07080900',
      ].join(''),
    );
    expect(encodeJsonDataset(dataset, IMPLICIT_VR_LITTLE_ENDIAN, ASCII).subarray(0, 14).toString('hex')).toBe('08001800' + '06000000' + Buffer.from('1.2.3\0').toString('hex'));
  });

  it('writes words of binary VRs in big endian order, whatever the order of InlineBinary', () => {
    const dataset: DicomJsonDataset = {
      '00281201': { vr: 'OW', InlineBinary: base64([0x01, 0x02, 0x03, 0x04]) },
      '00660040': { vr: 'OL', InlineBinary: base64([0x01, 0x02, 0x03, 0x04]) },
    };
    expect(encodeJsonDataset(dataset, EXPLICIT_VR_BIG_ENDIAN, ASCII).toString('hex')).toBe(
      '00281201' + '4f57' + '0000' + '00000004' + '02010403' + '00660040' + '4f4c' + '0000' + '00000004' + '04030201',
    );
  });

  it('refuses a BulkDataURI, which never belongs in a response data set', () => {
    const dataset: DicomJsonDataset = { '00420011': { vr: 'OB', BulkDataURI: 'https://pacs.example/bulk/1' } };
    expect(() => encodeJsonDataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN, ASCII)).toThrow(DicomError);
    expect(() => encodeJsonDataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN, ASCII)).toThrow(/\(0042,0011\) refers to bulk data \(https:\/\/pacs\.example\/bulk\/1\)/);
    const nested: DicomJsonDataset = { '00400275': { vr: 'SQ', Value: [dataset] } };
    expect(() => encodeJsonDataset(nested, IMPLICIT_VR_LITTLE_ENDIAN, ASCII)).toThrow(DicomError);
  });

  it('refuses values that do not fit their VR, their length field or the character set', () => {
    const refuses = (dataset: DicomJsonDataset, message: RegExp, ts: TransferSyntax = EXPLICIT_VR_LITTLE_ENDIAN): void => {
      expect(() => encodeJsonDataset(dataset, ts, ASCII)).toThrow(message);
    };
    refuses({ '00100020': { vr: 'LO', Value: ['x'.repeat(0x10000)] } }, /more than its length field can hold/);
    refuses({ '00280010': { vr: 'US', Value: [65536] } }, /not an integer from 0 to 65535/);
    refuses({ '00182043': { vr: 'FL', Value: [1e39] } }, /beyond the range of a 32-bit float/);
    refuses({ '00720083': { vr: 'UV', Value: ['-1'] } }, /not an integer from 0/);
    refuses({ '00209165': { vr: 'AT', Value: ['0010'] } }, /not a "GGGGEEEE" tag/);
    refuses({ '00200013': { vr: 'IS', Value: [1.5] } }, /not an integer/);
    refuses({ '00100020': { vr: 'LO', Value: ['a\\b'] } }, /backslash/);
    refuses({ '00100010': { vr: 'PN', Value: [{ Alphabetic: '山田' }] } }, /cannot be represented in the Specific Character Set/);
    refuses({ '00080060': { vr: 'CS', Value: ['山'] } }, /outside the default repertoire/);
    refuses({ '00420011': { vr: 'OB', Value: [1] } }, /binary values are InlineBinary/);
    refuses({ '00281201': { vr: 'OW', InlineBinary: base64([1, 2, 3]) } }, /not a whole number of 2-byte words/);
    refuses({ FFFEE000: { vr: 'UN' } }, /not the tag of a data element/);
    // A long text fits the 32-bit length of UT, and any length of Implicit VR.
    expect(encodeJsonDataset({ '00100218': { vr: 'UT', Value: ['x'.repeat(0x10000)] } }, EXPLICIT_VR_LITTLE_ENDIAN, ASCII).length).toBe(12 + 0x10000);
    expect(encodeJsonDataset({ '00100020': { vr: 'LO', Value: ['x'.repeat(0x10000)] } }, IMPLICIT_VR_LITTLE_ENDIAN, ASCII).length).toBe(8 + 0x10000);
  });
});

describe('textsOf', () => {
  it('lists every text that the character set applies to, as the encoder is given it', () => {
    const dataset: DicomJsonDataset = {
      '00080060': { vr: 'CS', Value: ['CT'] },
      '00081030': { vr: 'LO', Value: ['胸部', null, 'CT'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }, { Ideographic: '佐藤' }] },
      '00400275': { vr: 'SQ', Value: [{ '00321032': { vr: 'PN', Value: [{ Alphabetic: 'Müller' }] }, '00401001': { vr: 'SH', Value: ['RP7'] } }] },
      '00100020': { vr: 'LO' },
    };
    expect(textsOf(dataset).sort()).toEqual(['Müller', 'RP7', 'Yamada^Tarou=山田^太郎=やまだ^たろう\\=佐藤', '胸部\\\\CT'].sort());
  });
});
