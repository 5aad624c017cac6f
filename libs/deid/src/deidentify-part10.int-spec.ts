import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import {
  DatasetParser,
  DicomJsonBuilder,
  EXPLICIT_VR_LITTLE_ENDIAN,
  isPrivateTag,
  lookupTransferSyntax,
  parseTagKey,
  readFileMeta,
  stringValue,
  type DicomJsonDataset,
  type FileMeta,
} from '@tessera/dicom';
import { pydicomTestFiles, requireInfra } from '@tessera/testing';
import { DeidError, DeidErrorCode } from './deid.error';
import { deidentifyPart10, type DeidentifiedInstance } from './deidentify-part10.use-case';
import { HmacDateShift } from './hmac-date-shift.adapter';
import { HmacUidMapper } from './hmac-uid-mapper.adapter';
import { DeidOption } from './profile/deid-option';
import type { ProfileRow } from './profile/profile-row';
import { TABLE_E1_1 } from './profile/table-e1-1';

/*
 * The profile over every file of pydicom's test set that libs/dicom reads, checked by an oracle that
 * shares no code with the engine: it reads input and output back with the parser alone, walks both
 * data sets recursively, and judges them against the rows of Table E.1-1.
 */

const SECRET = 'tessera-deid-integration-project';
const OUT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'deid-int-'));

interface Read {
  readonly meta: FileMeta;
  readonly dataset: DicomJsonDataset;
}

/** Reads a Part 10 file into DICOM JSON with libs/dicom's parser, every value inline but pixel data. */
function read(bytes: Buffer): Read {
  const parsed = readFileMeta(bytes, true);
  if (!parsed) throw new Error('truncated File Meta Information');
  const declared = lookupTransferSyntax(parsed.meta.transferSyntaxUID);
  if (!declared) throw new Error(`unknown transfer syntax ${parsed.meta.transferSyntaxUID}`);
  const body = declared.deflated ? inflateRawSync(bytes.subarray(parsed.datasetOffset)) : bytes.subarray(parsed.datasetOffset);
  const builder = new DicomJsonBuilder((ref) => `bulk:${ref.offset}`, { binaryBytes: Number.MAX_SAFE_INTEGER, otherBytes: Number.MAX_SAFE_INTEGER });
  const parser = new DatasetParser(declared.deflated ? EXPLICIT_VR_LITTLE_ENDIAN : declared, builder);
  parser.push(body);
  parser.end();
  return { meta: parsed.meta, dataset: builder.dataset };
}

function corpus(): string[] {
  const files: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  visit(pydicomTestFiles());
  return files.sort();
}

/** Every element of a data set at every depth, with its path ("0008114000081155" items joined by "/"). */
function* walk(dataset: DicomJsonDataset, prefix = ''): Generator<{ path: string; key: string; vr: string; value: unknown[] | undefined }> {
  for (const [key, element] of Object.entries(dataset)) {
    const p = `${prefix}${key}`;
    if (element.vr === 'SQ') {
      for (const [i, item] of ((element.Value ?? []) as DicomJsonDataset[]).entries()) yield* walk(item, `${p}[${i}]/`);
      continue;
    }
    yield { path: p, key, vr: element.vr, value: element.Value };
  }
}

const rows = new Map<string, ProfileRow>(TABLE_E1_1.filter(([tag]) => !tag.includes('x')).map((row) => [row[0], row]));
const inRepeatingGroups = (key: string): boolean => key.startsWith('50') || /^60[01][0-9A-F]/.test(key);

/** Whether any chosen option's column has an action for the row: only then may an original value stay. */
function optionMayKeep(row: ProfileRow, chosen: ReadonlySet<DeidOption>): boolean {
  return Object.keys(row[3] ?? {}).some((option) => chosen.has(option as DeidOption));
}

interface Outcome {
  readonly file: string;
  readonly input: Read;
  readonly output?: DeidentifiedInstance;
  readonly refused?: DeidError;
}

async function runProfile(files: readonly string[], options: DeidOption[]): Promise<{ outcomes: Outcome[]; rejected: string[] }> {
  const uidMapper = new HmacUidMapper(SECRET);
  const dateShift = new HmacDateShift(SECRET);
  const outcomes: Outcome[] = [];
  const rejected: string[] = [];
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    let input: Read;
    try {
      input = read(bytes);
    } catch {
      rejected.push(file);
      continue;
    }
    try {
      outcomes.push({ file, input, output: await deidentifyPart10(bytes, { options, uidMapper, dateShift }) });
    } catch (e) {
      if (!(e instanceof DeidError)) throw e;
      outcomes.push({ file, input, refused: e });
    }
  }
  return { outcomes, rejected };
}

/** The oracle: what must hold of every de-identified file, judged from the rows of Table E.1-1. */
function violations(outcome: Outcome, chosen: ReadonlySet<DeidOption>): string[] {
  const out: string[] = [];
  const { input, output } = outcome;
  if (!output) return out;
  const back = read(output.bytes); // the output parses again
  const originals = new Map<string, Set<string>>();
  for (const e of walk(input.dataset)) {
    const set = originals.get(e.key) ?? new Set<string>();
    for (const v of e.value ?? []) if (v !== null && v !== '') set.add(JSON.stringify(v));
    originals.set(e.key, set);
  }
  for (const e of walk(back.dataset)) {
    const tag = parseTagKey(e.key) as number;
    if (isPrivateTag(tag) && !chosen.has(DeidOption.RetainSafePrivate)) out.push(`${e.path}: private attribute survived`);
    if (inRepeatingGroups(e.key)) out.push(`${e.path}: curve or overlay attribute survived`);
    const row = rows.get(e.key);
    if (!row || optionMayKeep(row, chosen)) continue;
    for (const v of e.value ?? []) {
      if (v !== null && v !== '' && originals.get(e.key)?.has(JSON.stringify(v))) out.push(`${e.path} (${row[1]}): original value ${JSON.stringify(v)} survived`);
    }
  }
  if (stringValue(back.dataset, '00120062') !== 'YES') out.push('Patient Identity Removed is not YES');
  if (back.meta.mediaStorageSOPInstanceUID !== (stringValue(back.dataset, '00080018') ?? back.meta.mediaStorageSOPInstanceUID)) out.push('Media Storage SOP Instance UID differs from SOP Instance UID');
  if (!chosen.has(DeidOption.RetainUIDs) && back.meta.mediaStorageSOPInstanceUID === input.meta.mediaStorageSOPInstanceUID) out.push('Media Storage SOP Instance UID kept');
  return out;
}

/** Original → replacement of every UID of a U row, read by walking input and output side by side. */
function uidPairs(outcome: Outcome): [string, string][] {
  if (!outcome.output) return [];
  const before = new Map<string, unknown[] | undefined>();
  for (const e of walk(outcome.input.dataset)) before.set(e.path, e.value);
  const pairs: [string, string][] = [];
  for (const e of walk(read(outcome.output.bytes).dataset)) {
    if (rows.get(e.key)?.[2] !== 'U' || e.vr !== 'UI') continue;
    const original = before.get(e.path) ?? [];
    (e.value ?? []).forEach((v, i) => {
      if (typeof original[i] === 'string' && typeof v === 'string') pairs.push([original[i] as string, v]);
    });
  }
  return pairs;
}

let files: string[];

beforeAll(() => {
  requireInfra();
  files = corpus();
});
afterAll(() => fs.rmSync(OUT_DIR, { recursive: true, force: true }));

describe('the Basic Profile over pydicom test files', () => {
  let outcomes: Outcome[];
  let rejected: string[];

  beforeAll(async () => {
    ({ outcomes, rejected } = await runProfile(files, []));
    const refused = outcomes.filter((o) => o.refused);
    console.log(
      `${files.length} files: ${outcomes.length} read by libs/dicom and de-identified or refused, ` +
        `${rejected.length} rejected by the parser and skipped (${rejected.map((f) => path.relative(pydicomTestFiles(), f)).join(', ')}), ` +
        `${refused.length} refused (${refused.map((o) => `${path.basename(o.file)}: ${o.refused?.code}`).join(', ')})`,
    );
  });

  it('de-identifies every file the parser reads, refusing only burned-in annotation', () => {
    expect(outcomes.length).toBeGreaterThan(100);
    const unexpected = outcomes.filter((o) => o.refused && !(o.refused.code === DeidErrorCode.BurnedInAnnotation && stringValue(o.input.dataset, '00280301')?.trim() === 'YES'));
    expect(unexpected.map((o) => `${o.file}: ${o.refused?.message}`)).toEqual([]);
  });

  it('leaves no original value of a table attribute, no private attribute, no curve or overlay', () => {
    const found = outcomes.flatMap((o) => violations(o, new Set()).map((v) => `${path.relative(pydicomTestFiles(), o.file)}: ${v}`));
    expect(found).toEqual([]);
  });

  it('replaces every UID of the table, the same original by the same replacement in every file', () => {
    const originals = new Set<string>();
    for (const o of outcomes) for (const e of walk(o.input.dataset)) if (e.vr === 'UI') for (const v of e.value ?? []) if (typeof v === 'string') originals.add(v);
    const mapping = new Map<string, Set<string>>();
    const replacements = new Map<string, Set<string>>();
    for (const [from, to] of outcomes.flatMap(uidPairs)) {
      mapping.set(from, (mapping.get(from) ?? new Set()).add(to));
      replacements.set(to, (replacements.get(to) ?? new Set()).add(from));
    }
    expect(mapping.size).toBeGreaterThan(100);
    expect([...mapping].filter(([, to]) => to.size !== 1)).toEqual([]);
    expect([...replacements].filter(([, from]) => from.size !== 1)).toEqual([]);
    expect([...replacements.keys()].filter((uid) => originals.has(uid))).toEqual([]);
  });

  it('keeps the files of one study in one study', () => {
    const studies = new Map<string, Set<string>>();
    for (const o of outcomes) {
      const original = stringValue(o.input.dataset, '0020000D');
      if (!o.output || !original) continue;
      studies.set(original, (studies.get(original) ?? new Set()).add(stringValue(read(o.output.bytes).dataset, '0020000D') ?? ''));
    }
    const shared = outcomes.filter((o) => o.output && [...outcomes].filter((p) => p.output && stringValue(p.input.dataset, '0020000D') === stringValue(o.input.dataset, '0020000D')).length > 1);
    expect(shared.length).toBeGreaterThan(10);
    expect([...studies].filter(([, replaced]) => replaced.size !== 1)).toEqual([]);
  });

  it('writes files that pydicom reads, every element of them', () => {
    const written = outcomes.filter((o) => o.output).map((o, i) => {
      const file = path.join(OUT_DIR, `basic-${i}.dcm`);
      fs.writeFileSync(file, o.output?.bytes as Buffer);
      return file;
    });
    const script = [
      'import sys, pydicom',
      'bad = []',
      'for f in sys.argv[1:]:',
      '    try:',
      '        ds = pydicom.dcmread(f)',
      '        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.get("SOPInstanceUID", ds.file_meta.MediaStorageSOPInstanceUID)',
      '        assert ds.PatientIdentityRemoved == "YES"',
      '        for elem in ds.iterall(): elem.value',
      '    except Exception as e:',
      '        bad.append(f"{f}: {e!r}")',
      'print("\\n".join(bad))',
    ].join('\n');
    const result = execFileSync(requireInfra().python, ['-c', script, ...written], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(result.trim()).toBe('');
    expect(written.length).toBeGreaterThan(100);
  });
});

describe('the Basic Profile with every option but Retain UIDs and Full Dates', () => {
  const chosen = new Set<DeidOption>([
    DeidOption.RetainSafePrivate,
    DeidOption.RetainDeviceIdentity,
    DeidOption.RetainInstitutionIdentity,
    DeidOption.RetainPatientCharacteristics,
    DeidOption.RetainLongitudinalModifiedDates,
    DeidOption.CleanDescriptors,
    DeidOption.CleanStructuredContent,
    DeidOption.CleanGraphics,
  ]);
  let outcomes: Outcome[];

  beforeAll(async () => {
    ({ outcomes } = await runProfile(files, [...chosen]));
  });

  it('leaves no original value that no chosen option keeps, and writes files that parse', () => {
    expect(outcomes.filter((o) => o.output).length).toBeGreaterThan(100);
    const found = outcomes.flatMap((o) => violations(o, chosen).map((v) => `${path.relative(pydicomTestFiles(), o.file)}: ${v}`));
    expect(found).toEqual([]);
  });

  it('moves every valid study date, and all dates of one patient by the same number of days', () => {
    const offsets = new Map<string, Set<number>>();
    let moved = 0;
    for (const o of outcomes) {
      if (!o.output) continue;
      const before = stringValue(o.input.dataset, '00080020');
      const after = stringValue(read(o.output.bytes).dataset, '00080020');
      if (!before || !/^\d{8}$/.test(before) || !after) continue;
      const days = (Date.UTC(+after.slice(0, 4), +after.slice(4, 6) - 1, +after.slice(6, 8)) - Date.UTC(+before.slice(0, 4), +before.slice(4, 6) - 1, +before.slice(6, 8))) / 86_400_000;
      expect(days).not.toBe(0);
      const patient = stringValue(o.input.dataset, '00100020') ?? '';
      offsets.set(patient, (offsets.get(patient) ?? new Set()).add(days));
      moved++;
    }
    expect(moved).toBeGreaterThan(50);
    expect([...offsets].filter(([patient, days]) => patient !== '' && days.size !== 1)).toEqual([]);
  });
});
