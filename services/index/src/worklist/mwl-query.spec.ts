import type { DicomJsonDataset } from '@tessera/dicom';
import { checkWorklistItem } from '@tessera/worklist';
import { MwlIdentifierError, readMwlQuery } from './mwl-query';

interface Step {
  station?: string;
  date?: string;
  time?: string;
  modality?: string;
  status?: string;
  birthDate?: string;
}

function item(id: string, s: Step = {}): DicomJsonDataset {
  const body = {
    '00100010': { vr: 'PN', Value: [{ Alphabetic: `Patient^${id}` }] },
    '00100020': { vr: 'LO', Value: [`P-${id}`] },
    ...(s.birthDate ? { '00100030': { vr: 'DA', Value: [s.birthDate] } } : {}),
    '00321060': { vr: 'LO', Value: ['Procedure'] },
    '00401001': { vr: 'SH', Value: [`RP-${id}`] },
    '00400100': {
      vr: 'SQ',
      Value: [
        {
          '00080060': { vr: 'CS', Value: [s.modality ?? 'CT'] },
          '00400001': { vr: 'AE', Value: [s.station ?? 'CT1'] },
          '00400002': { vr: 'DA', Value: [s.date ?? '20240301'] },
          '00400003': { vr: 'TM', Value: [s.time ?? '0900'] },
          '00400007': { vr: 'LO', Value: ['Step'] },
          '00400009': { vr: 'SH', Value: [id] },
          ...(s.status ? { '00400020': { vr: 'CS', Value: [s.status] } } : {}),
        },
      ],
    },
  };
  return checkWorklistItem(body, { studyInstanceUID: () => `1.2.${id.length}`, scheduledProcedureStepID: () => id }).attributes;
}

const sps = (attributes: DicomJsonDataset): DicomJsonDataset => ({ '00400100': { vr: 'SQ', Value: [attributes] } });
const ids = (identifier: DicomJsonDataset, items: DicomJsonDataset[]): string[] => {
  const query = readMwlQuery(identifier);
  return items.filter((i) => query.matches(i)).map((i) => (i['00100020']?.Value as string[])[0] as string);
};

describe('readMwlQuery (PS3.4 K.6.1.2)', () => {
  const items = [
    item('A', { station: 'CT1', date: '20240301', time: '2300' }),
    item('B', { station: 'CT1', date: '20240302', time: '0500' }),
    item('C', { station: 'CT1', date: '20240302', time: '1000' }),
    item('D', { station: 'MR1', date: '20240302', time: '0400', modality: 'MR' }),
    item('E', { station: 'CT1', date: '20240302', time: '0300', status: 'STARTED' }),
    item('F', { station: 'CT1', date: '20240302', time: '0300', status: 'COMPLETED', birthDate: '19700101' }),
  ];

  it('matches the station, modality and a date-time range combined across midnight, on the step item', () => {
    const identifier = sps({
      '00080060': { vr: 'CS', Value: ['CT'] },
      '00400001': { vr: 'AE', Value: ['CT1'] },
      '00400002': { vr: 'DA', Value: ['20240301-20240302'] },
      '00400003': { vr: 'TM', Value: ['2200-0600'] },
    });
    expect(ids(identifier, items)).toEqual(['P-A', 'P-B']);
    // Without the time, the date range alone: every open CT1 step of both days.
    const byDate = sps({ '00400001': { vr: 'AE', Value: ['CT1'] }, '00400002': { vr: 'DA', Value: ['20240301-20240302'] } });
    expect(ids(byDate, items)).toEqual(['P-A', 'P-B', 'P-C']);
  });

  it('narrows in the store with the indexed keys only, the combined span by its dates', () => {
    const query = readMwlQuery({
      '00100030': { vr: 'DA', Value: ['19700101'] },
      '00100020': { vr: 'LO', Value: ['P-*'] },
      ...sps({ '00400002': { vr: 'DA', Value: ['20240301-20240302'] }, '00400003': { vr: 'TM', Value: ['2200-0600'] }, '00400007': { vr: 'LO', Value: ['Step'] } }),
    });
    expect(query.filter.keys.map((k) => [k.tag, k.kind])).toEqual([[0x00100020, 'wildcard']]);
    expect(query.filter.stepKeys.map((k) => [k.tag, k.kind])).toEqual([
      [0x00400002, 'range'],
      [0x00400020, 'list'],
    ]);
  });

  it('returns only steps still to be done unless the status is asked for by value', () => {
    expect(ids(sps({ '00400001': { vr: 'AE', Value: ['CT1'] } }), items)).toEqual(['P-A', 'P-B', 'P-C']);
    expect(ids(sps({ '00400020': { vr: 'CS', Value: [] } }), items)).toEqual(['P-A', 'P-B', 'P-C', 'P-D']);
    expect(ids(sps({ '00400020': { vr: 'CS', Value: ['STARTED'] } }), items)).toEqual(['P-E']);
    expect(ids({ '00100030': { vr: 'DA', Value: ['19700101'] }, ...sps({ '00400020': { vr: 'CS', Value: ['STARTED\\COMPLETED'] } }) }, items)).toEqual(['P-F']);
  });

  it('returns exactly the requested attributes, the step item with the requested ones inside', () => {
    const query = readMwlQuery({
      '00080005': { vr: 'CS', Value: ['ISO_IR 192'] },
      '00080050': { vr: 'SH' },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'patient^a' }] },
      '00100030': { vr: 'UN' },
      ...sps({ '00400001': { vr: 'AE' }, '00400009': { vr: 'SH' }, '00400006': { vr: 'PN' } }),
    });
    expect(query.characterSet).toEqual(['ISO_IR 192']);
    const [match] = items.filter((i) => query.matches(i));
    expect(query.response(match as DicomJsonDataset)).toEqual({
      '00080050': { vr: 'SH' },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Patient^A' }] },
      '00100030': { vr: 'DA' },
      '00400100': { vr: 'SQ', Value: [{ '00400001': { vr: 'AE', Value: ['CT1'] }, '00400009': { vr: 'SH', Value: ['A'] }, '00400006': { vr: 'PN' } }] },
    });
  });

  it('returns the whole step when the sequence is asked for empty, or with an empty item', () => {
    const whole = item('A')['00400100'];
    expect(readMwlQuery({ '00400100': { vr: 'SQ' } }).response(item('A'))).toEqual({ '00400100': whole });
    expect(readMwlQuery({ '00400100': { vr: 'SQ', Value: [{}] } }).response(item('A'))).toEqual({ '00400100': whole });
  });

  it('refuses identifiers it cannot serve, with the reason', () => {
    expect(() => readMwlQuery({ '00400100': { vr: 'SQ', Value: [{}, {}] } })).toThrow(MwlIdentifierError);
    expect(() => readMwlQuery(sps({ '00400002': { vr: 'DA', Value: ['2024031'] } }))).toThrow(/"2024031" is not a valid DA value/);
    expect(() => readMwlQuery(sps({ '00400003': { vr: 'TM', Value: ['08-09-10'] } }))).toThrow(/not a range/);
  });
});
