import { Tags } from '../tag';
import { personNameWords } from './fuzzy-person-name';
import { matchesKey } from './matching';
import { matchKey, parseQidoQuery, QueryError } from './query-model';

describe('QIDO query model and matching (PS3.4 C.2.2.2)', () => {
  it('parses keywords and tags, includefield, limit, offset and fuzzymatching', () => {
    const q = parseQidoQuery('STUDY', [['PatientName', 'DOE*'], ['00080020', '20240101-'], ['includefield', '00081030,StudyID'], ['includefield', 'PatientAge'], ['limit', '5000'], ['offset', '10'], ['fuzzymatching', 'true']]);
    expect(q.keys.map((k) => k.kind)).toEqual(['fuzzy', 'range']);
    expect(q.includeFields).toEqual([0x00081030, Tags.StudyID, 0x00101010]);
    expect(q).toMatchObject({ limit: 5000, offset: 10, fuzzyMatching: true });
    expect(parseQidoQuery('STUDY', [['includefield', 'all']]).includeFields).toBe('all');
  });

  it('refuses what it cannot honour with a reason', () => {
    expect(() => parseQidoQuery('STUDY', [['NotAKeyword', 'x']])).toThrow(QueryError);
    expect(() => parseQidoQuery('STUDY', [['limit', '-1']])).toThrow(/limit/);
    expect(() => parseQidoQuery('STUDY', [['StudyDate', '2024']])).toThrow(/not a valid DA/);
    expect(() => parseQidoQuery('STUDY', [['StudyInstanceUID', 'abc']])).toThrow(/not a UID/);
    expect(() => parseQidoQuery('STUDY', [['PatientID.PatientName', 'x']])).toThrow(/not a sequence/);
    expect(() => parseQidoQuery('SERIES', [['RequestAttributesSequence', ''], ['RequestAttributesSequence.RequestedProcedureID', 'x']])).toThrow(/more than once/);
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

  it('gathers keys through one sequence into one sequence key, for one item to match them all (PS3.4 C.2.2.2.6)', () => {
    const q = parseQidoQuery('SERIES', [['RequestAttributesSequence.RequestedProcedureID', 'RP1'], ['00400275.00321060', 'CT*'], ['Modality', 'CT']]);
    expect(q.keys).toEqual([
      { kind: 'single', tag: Tags.Modality, vr: 'CS', value: 'CT' },
      { kind: 'sequence', tag: Tags.RequestAttributesSequence, vr: 'SQ', keys: [{ kind: 'single', tag: 0x00401001, vr: 'SH', value: 'RP1' }, { kind: 'wildcard', tag: 0x00321060, vr: 'LO', pattern: 'CT*' }] },
    ]);
    const item = (id: string, description: string) => ({ '00401001': { vr: 'SH' as const, Value: [id] }, '00321060': { vr: 'LO' as const, Value: [description] } });
    const [, sequence] = q.keys;
    expect(matchesKey({ '00400275': { vr: 'SQ', Value: [item('RP1', 'MR head'), item('RP2', 'CT chest')] } }, sequence!)).toBe(false);
    expect(matchesKey({ '00400275': { vr: 'SQ', Value: [item('RP2', 'MR head'), item('RP1', 'CT chest')] } }, sequence!)).toBe(true);
  });

  it('folds person names for fuzzy matching: accents off, a-z upper-cased, cut at separators', () => {
    expect(personNameWords("García-López^Ána O'Neil")).toEqual(['GARCIA', 'LOPEZ', 'ANA', 'O', 'NEIL']);
    expect(personNameWords('smi* ^jo')).toEqual(['SMI', 'JO']);
    const name = { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Müller-Lüdenscheidt^Hans Jürgen' }] } };
    const fuzzy = (value: string) => matchesKey(name, parseQidoQuery('STUDY', [['fuzzymatching', 'true'], ['PatientName', value]]).keys[0]!);
    expect(fuzzy('hans muller')).toBe(true);
    expect(fuzzy('jurg lud')).toBe(true);
    expect(fuzzy('mueller')).toBe(false);
    expect(fuzzy('smith\\hans')).toBe(true);
    // `?` has no fuzzy sense: the value is matched as an ordinary wildcard, case-insensitively.
    expect(parseQidoQuery('STUDY', [['fuzzymatching', 'true'], ['PatientName', 'm?ller*']]).keys[0]?.kind).toBe('wildcard');
  });
});
