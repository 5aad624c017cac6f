import type { DicomJsonDataset } from '@tessera/dicom';
import { checkCreate, checkFinal, checkSet, problemPath, statusOf, type AttributeProblem } from './mpps-attributes';

const code = (value: string, meaning: string) => ({ '00080100': { vr: 'SH', Value: [value] }, '00080102': { vr: 'SH', Value: ['DCM'] }, '00080104': { vr: 'LO', Value: [meaning] } });

/** An N-CREATE attribute list as a modality sends it: every attribute Table F.7.2-1 requires. */
function created(): DicomJsonDataset {
  return {
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00081032': { vr: 'SQ' },
    '00081120': { vr: 'SQ' },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
    '00100020': { vr: 'LO', Value: ['P1'] },
    '00100030': { vr: 'DA' },
    '00100040': { vr: 'CS', Value: ['F'] },
    '00200010': { vr: 'SH' },
    '00400241': { vr: 'AE', Value: ['CT01'] },
    '00400242': { vr: 'SH' },
    '00400243': { vr: 'SH' },
    '00400244': { vr: 'DA', Value: ['20261122'] },
    '00400245': { vr: 'TM', Value: ['101530'] },
    '00400250': { vr: 'DA' },
    '00400251': { vr: 'TM' },
    '00400252': { vr: 'CS', Value: ['IN PROGRESS'] },
    '00400253': { vr: 'SH', Value: ['PPS1'] },
    '00400254': { vr: 'LO' },
    '00400255': { vr: 'LO' },
    '00400260': { vr: 'SQ' },
    '00400270': {
      vr: 'SQ',
      Value: [
        {
          '00080050': { vr: 'SH', Value: ['ACC1'] },
          '00081110': { vr: 'SQ' },
          '0020000D': { vr: 'UI', Value: ['1.2.3.4'] },
          '00321060': { vr: 'LO' },
          '00400007': { vr: 'LO' },
          '00400008': { vr: 'SQ' },
          '00400009': { vr: 'SH', Value: ['SPS1'] },
          '00401001': { vr: 'SH', Value: ['RP1'] },
        },
      ],
    },
    '00400340': { vr: 'SQ' },
  };
}

function series(uid = '1.2.3.4.5'): DicomJsonDataset {
  return {
    '00080054': { vr: 'AE', Value: ['TESSERA'] },
    '0008103E': { vr: 'LO', Value: ['Axial'] },
    '00081050': { vr: 'PN' },
    '00081070': { vr: 'PN' },
    '00081140': { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] }, '00081155': { vr: 'UI', Value: ['1.2.3.4.5.6'] } }] },
    '00181030': { vr: 'LO', Value: ['Chest'] },
    '0020000E': { vr: 'UI', Value: [uid] },
    '00400220': { vr: 'SQ' },
  };
}

const where = (problems: readonly AttributeProblem[]) => problems.map((p) => `${p.kind} ${problemPath(p)}`);

describe('Table F.7.2-1 at N-CREATE (PS3.4 F.7.2.1)', () => {
  it('accepts an attribute list with every required attribute, Type 2 ones empty', () => {
    expect(checkCreate(created())).toEqual([]);
  });

  it('reports each absent Type 1 or Type 2 attribute, nested ones with their path', () => {
    const ds = created();
    delete ds['00080060'];
    delete ds['00100010'];
    delete (ds['00400270']?.Value?.[0] as DicomJsonDataset)['0020000D'];
    delete (ds['00400270']?.Value?.[0] as DicomJsonDataset)['00080050'];
    expect(where(checkCreate(ds))).toEqual(['missing (0040,0270)>(0020,000D)', 'missing (0040,0270)>(0008,0050)', 'missing (0010,0010)', 'missing (0008,0060)']);
  });

  it('reports a Type 1 attribute without a value, and a Type 1 sequence without items', () => {
    const ds = { ...created(), '00400253': { vr: 'SH' as const }, '00400270': { vr: 'SQ' as const } };
    expect(where(checkCreate(ds))).toEqual(['empty (0040,0270)', 'empty (0040,0253)']);
  });

  it('refuses a status other than IN PROGRESS (F.7.2.1.3), and malformed UIDs, dates and times', () => {
    const ds: DicomJsonDataset = { ...created(), '00400252': { vr: 'CS', Value: ['COMPLETED'] }, '00400244': { vr: 'DA', Value: ['20261301'] }, '00400245': { vr: 'TM', Value: ['25'] } };
    (ds['00400270']?.Value?.[0] as DicomJsonDataset)['0020000D'] = { vr: 'UI', Value: ['1.02.3'] };
    expect(checkCreate(ds).map((p) => [p.kind, problemPath(p), p.reason])).toEqual([
      ['invalid', '(0040,0270)>(0020,000D)', 'not a UID (PS3.5 9.1)'],
      ['invalid', '(0040,0244)', 'not a date YYYYMMDD (PS3.5 6.2)'],
      ['invalid', '(0040,0245)', 'not a time HH[MM[SS[.F{1,6}]]] (PS3.5 6.2)'],
      ['invalid', '(0040,0252)', 'an N-CREATE must say IN PROGRESS (PS3.4 F.7.2.1.3)'],
    ]);
  });

  it('accepts the shorter forms of TM and real dates only', () => {
    for (const [date, time, ok] of [['20240229', '10', true], ['20230229', '1015', false], ['20261122', '101530.123456', true], ['20261122', '10:15', false], ['2026112', '1015', false]] as const) {
      expect(checkCreate({ ...created(), '00400244': { vr: 'DA', Value: [date] }, '00400245': { vr: 'TM', Value: [time] } })).toHaveLength(ok ? 0 : 1);
    }
  });

  it('checks the items of the performed series and of coded sequences (Tables F.7.2-1a to e)', () => {
    const broken = series();
    delete broken['00181030'];
    const ds = {
      ...created(),
      '00400340': { vr: 'SQ' as const, Value: [series(), broken] },
      '00081032': { vr: 'SQ' as const, Value: [code('P5-08000', 'CT chest'), { '00080104': { vr: 'LO', Value: ['no value'] } }, { '00080100': { vr: 'SH', Value: ['X'] }, '00080104': { vr: 'LO', Value: ['no scheme'] } }] },
    };
    expect(where(checkCreate(ds))).toEqual(['missing (0008,1032)>(0008,0100)', 'missing (0008,1032)>(0008,0102)', 'missing (0040,0340)>(0018,1030)']);
  });
});

describe('Table F.7.2-1 at N-SET (PS3.4 F.7.2.2)', () => {
  it('accepts the attributes that may be set, whatever else the step has', () => {
    expect(checkSet({ '00400252': { vr: 'CS', Value: ['COMPLETED'] }, '00400250': { vr: 'DA', Value: ['20261122'] }, '00400251': { vr: 'TM', Value: ['1100'] }, '00400340': { vr: 'SQ', Value: [series()] }, '00400280': { vr: 'ST', Value: ['fine'] } })).toEqual([]);
  });

  it('refuses the attributes Table F.7.2-1 does not allow in N-SET', () => {
    expect(where(checkSet({ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'X^Y' }] }, '00400244': { vr: 'DA', Value: ['20261122'] }, '00400270': { vr: 'SQ' }, '00080060': { vr: 'CS', Value: ['MR'] } }))).toEqual([
      'not-allowed (0040,0270)',
      'not-allowed (0010,0010)',
      'not-allowed (0040,0244)',
      'not-allowed (0008,0060)',
    ]);
  });

  it('refuses a status outside the defined terms, an empty one included, and incomplete series items', () => {
    const item = series();
    delete item['0020000E'];
    expect(where(checkSet({ '00400252': { vr: 'CS', Value: ['DONE'] }, '00400340': { vr: 'SQ', Value: [item] } }))).toEqual(['missing (0040,0340)>(0020,000E)', 'invalid (0040,0252)']);
    expect(where(checkSet({ '00400252': { vr: 'CS' } }))).toEqual(['invalid (0040,0252)']);
  });
});

describe('the final state (PS3.4 F.7.2.2.2)', () => {
  it('requires end date, end time and at least one performed series', () => {
    expect(where(checkFinal(created()))).toEqual(['empty (0040,0250)', 'empty (0040,0251)', 'empty (0040,0340)']);
    expect(checkFinal({ ...created(), '00400250': { vr: 'DA', Value: ['20261122'] }, '00400251': { vr: 'TM', Value: ['1100'] }, '00400340': { vr: 'SQ', Value: [series()] } })).toEqual([]);
  });

  it('reads the status an attribute set states', () => {
    expect(statusOf(created())).toBe('IN PROGRESS');
    expect(statusOf({ '00400252': { vr: 'CS', Value: ['DONE'] } })).toBeUndefined();
  });
});
