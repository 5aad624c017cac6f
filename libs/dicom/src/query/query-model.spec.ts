import { Tags } from '../tag';
import { matchesKey } from './matching';
import { matchKey, parseQidoQuery, QueryError } from './query-model';

describe('QIDO query model and matching (PS3.4 C.2.2.2)', () => {
  it('parses keywords and tags, includefield, limit, offset and fuzzymatching', () => {
    const q = parseQidoQuery('STUDY', [['PatientName', 'DOE*'], ['00080020', '20240101-'], ['includefield', '00081030,StudyID'], ['includefield', 'PatientAge'], ['limit', '5000'], ['offset', '10'], ['fuzzymatching', 'true']]);
    expect(q.keys.map((k) => k.kind)).toEqual(['wildcard', 'range']);
    expect(q.includeFields).toEqual([0x00081030, Tags.StudyID, 0x00101010]);
    expect(q).toMatchObject({ limit: 5000, offset: 10, fuzzyMatching: true });
    expect(parseQidoQuery('STUDY', [['includefield', 'all']]).includeFields).toBe('all');
  });

  it('refuses what it cannot honour with a reason', () => {
    expect(() => parseQidoQuery('STUDY', [['NotAKeyword', 'x']])).toThrow(QueryError);
    expect(() => parseQidoQuery('STUDY', [['limit', '-1']])).toThrow(/limit/);
    expect(() => parseQidoQuery('STUDY', [['StudyDate', '2024']])).toThrow(/not a valid DA/);
    expect(() => parseQidoQuery('STUDY', [['StudyInstanceUID', 'abc']])).toThrow(/not a UID/);
    expect(() => parseQidoQuery('STUDY', [['00400275.00401001', 'x']])).toThrow(/Sequence matching/);
  });

  it('matches per VR: wildcards on strings, UID lists, time ranges that include their unspecified precision', () => {
    const ds = { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Doe^John' }] }, '00080030': { vr: 'TM' as const, Value: ['123045.5'] }, '0020000D': { vr: 'UI' as const, Value: ['1.2.3'] } };
    expect(matchesKey(ds, matchKey(Tags.PatientName, 'PN', 'd?e^*'))).toBe(true);
    expect(matchesKey(ds, matchKey(Tags.PatientName, 'PN', 'smith'))).toBe(false);
    expect(matchesKey(ds, matchKey(Tags.StudyTime, 'TM', '1200-1230'))).toBe(true);
    expect(matchesKey(ds, matchKey(Tags.StudyTime, 'TM', '1231-'))).toBe(false);
    expect(matchesKey(ds, matchKey(Tags.StudyInstanceUID, 'UI', '9.9,1.2.3'))).toBe(true);
    expect(matchesKey(ds, matchKey(Tags.AccessionNumber, 'SH', 'A1'))).toBe(false);
  });
});
