import { isValidUid, lookupKeyword, tagKey, tagLabel, type DicomJsonDataset, type DicomJsonElement, type Tag } from '@tessera/dicom';

/** Why an attribute of an N-CREATE or N-SET is not acceptable. */
export type AttributeProblemKind =
  /** A required attribute is absent. */
  | 'missing'
  /** A Type 1 attribute is present without a value. */
  | 'empty'
  /** The value is not one the attribute may have. */
  | 'invalid'
  /** The attribute may not be set with N-SET. */
  | 'not-allowed';

/** One problem, located by the tags from the top-level attribute down to the attribute itself. */
export interface AttributeProblem {
  readonly kind: AttributeProblemKind;
  readonly path: readonly Tag[];
  readonly reason?: string;
}

/** "(0040,0270)>(0020,000D)": where a problem is, for error comments and logs. */
export function problemPath(problem: AttributeProblem): string {
  return problem.path.map(tagLabel).join('>');
}

type ValueCheck = 'uid' | 'date' | 'time';

interface Rule {
  readonly tag: Tag;
  /** Requirement at N-CREATE for the SCU: 1 value, 2 present (maybe empty), 3 optional. */
  readonly create: 1 | 2 | 3;
  /** Whether N-SET may carry the attribute ("Not allowed" in Table F.7.2-1). */
  readonly settable: boolean;
  /** Requirement once the step is COMPLETED or DISCONTINUED, where it is stricter than at N-CREATE. */
  readonly final?: 1;
  readonly check?: ValueCheck;
  /** Rules for the items of a sequence. */
  readonly items?: readonly Rule[];
  /** The items follow the Code Sequence Macro of Tables F.7.2-1a to F.7.2-1e. */
  readonly coded?: true;
}

function tagOf(keyword: string): Tag {
  const entry = lookupKeyword(keyword);
  if (!entry) throw new Error(`${keyword} is not a PS3.6 keyword`);
  return entry.tag;
}

// Rule builders: the Req. Type columns of Table F.7.2-1 as "N-CREATE/N-SET".
const rule = (keyword: string, create: 1 | 2 | 3, settable: boolean, extra: Omit<Rule, 'tag' | 'create' | 'settable'> = {}): Rule => ({ tag: tagOf(keyword), create, settable, ...extra });
const reference = (keyword: string, create: 1 | 2 | 3, settable: boolean): Rule =>
  rule(keyword, create, settable, { items: [rule('ReferencedSOPClassUID', 1, settable, { check: 'uid' }), rule('ReferencedSOPInstanceUID', 1, settable, { check: 'uid' })] });
const code = (keyword: string, create: 1 | 2 | 3, settable: boolean): Rule => rule(keyword, create, settable, { coded: true });

/**
 * Table F.7.2-1 of PS3.4 (Modality Performed Procedure Step SOP Class N-CREATE, N-SET and Final State
 * Attributes), for the attributes it names; every other attribute of the IOD is 3/3 and kept as sent.
 */
const TABLE: readonly Rule[] = [
  // Performed Procedure Step Relationship: set at N-CREATE only.
  rule('ScheduledStepAttributesSequence', 1, false, {
    items: [
      rule('StudyInstanceUID', 1, false, { check: 'uid' }),
      reference('ReferencedStudySequence', 2, false),
      rule('AccessionNumber', 2, false),
      rule('RequestedProcedureID', 2, false),
      code('RequestedProcedureCodeSequence', 3, false),
      rule('RequestedProcedureDescription', 2, false),
      rule('ScheduledProcedureStepID', 2, false),
      rule('ScheduledProcedureStepDescription', 2, false),
      code('ScheduledProtocolCodeSequence', 2, false),
      rule('IssuerOfAccessionNumberSequence', 3, false),
      rule('PlacerOrderNumberImagingServiceRequest', 3, false),
      rule('OrderPlacerIdentifierSequence', 3, false),
      rule('FillerOrderNumberImagingServiceRequest', 3, false),
      rule('OrderFillerIdentifierSequence', 3, false),
    ],
  }),
  rule('PatientName', 2, false),
  rule('PatientID', 2, false),
  rule('IssuerOfPatientID', 3, false),
  rule('IssuerOfPatientIDQualifiersSequence', 3, false),
  rule('OtherPatientIDsSequence', 3, false),
  rule('PatientBirthDate', 2, false),
  rule('PatientSex', 2, false),
  reference('ReferencedPatientSequence', 2, false),
  rule('AdmissionID', 3, false),
  rule('IssuerOfAdmissionIDSequence', 3, false),
  rule('ServiceEpisodeID', 3, false),
  rule('IssuerOfServiceEpisodeIDSequence', 3, false),
  rule('ServiceEpisodeDescription', 3, false),
  // Performed Procedure Step Information.
  rule('PerformedProcedureStepID', 1, false),
  rule('PerformedStationAETitle', 1, false),
  rule('PerformedStationName', 2, false),
  rule('PerformedLocation', 2, false),
  rule('PerformedProcedureStepStartDate', 1, false, { check: 'date' }),
  rule('PerformedProcedureStepStartTime', 1, false, { check: 'time' }),
  rule('PerformedProcedureStepStatus', 1, true),
  rule('PerformedProcedureStepDescription', 2, true),
  rule('PerformedProcedureTypeDescription', 2, true),
  code('ProcedureCodeSequence', 2, true),
  code('ReasonForPerformedProcedureCodeSequence', 3, true),
  rule('PerformedProcedureStepEndDate', 2, true, { final: 1, check: 'date' }),
  rule('PerformedProcedureStepEndTime', 2, true, { final: 1, check: 'time' }),
  rule('CommentsOnThePerformedProcedureStep', 3, true),
  code('PerformedProcedureStepDiscontinuationReasonCodeSequence', 3, true),
  // Image Acquisition Results.
  rule('Modality', 1, false),
  rule('StudyID', 2, false),
  code('PerformedProtocolCodeSequence', 2, true),
  rule('PerformedSeriesSequence', 2, true, {
    // Note 2 of Table F.7.2-1: at least one series once the step is COMPLETED or DISCONTINUED.
    final: 1,
    items: [
      rule('PerformingPhysicianName', 2, true),
      rule('ProtocolName', 1, true),
      rule('OperatorsName', 2, true),
      rule('SeriesInstanceUID', 1, true, { check: 'uid' }),
      rule('SeriesDescription', 2, true),
      rule('RetrieveAETitle', 2, true),
      reference('ReferencedImageSequence', 2, true),
      reference('ReferencedNonImageCompositeSOPInstanceSequence', 2, true),
    ],
  }),
];

// The Code Sequence Macro as MPPS uses it (Tables F.7.2-1a to F.7.2-1e): Code Meaning always, a code
// value in one of three forms, and the coding scheme for the first two.
const CODE_VALUE = tagOf('CodeValue');
const LONG_CODE_VALUE = tagOf('LongCodeValue');
const URN_CODE_VALUE = tagOf('URNCodeValue');
const CODING_SCHEME_DESIGNATOR = tagOf('CodingSchemeDesignator');
const CODE_MEANING = tagOf('CodeMeaning');

/** Performed Procedure Step Status (0040,0252). */
export const PPS_STATUS = tagOf('PerformedProcedureStepStatus');
/** Scheduled Step Attributes Sequence (0040,0270). */
export const SCHEDULED_STEP_ATTRIBUTES = tagOf('ScheduledStepAttributesSequence');
const STATUS_VALUES: readonly string[] = ['IN PROGRESS', 'COMPLETED', 'DISCONTINUED'];

function hasValue(element: DicomJsonElement | undefined): boolean {
  return element?.Value !== undefined && element.Value.some((v) => v !== null && v !== '');
}

/** The first value of an element as text (PN: its alphabetic group), if it has one. */
function textOf(element: DicomJsonElement | undefined): string | undefined {
  const value = element?.Value?.[0];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && 'Alphabetic' in value) return (value as { Alphabetic?: string }).Alphabetic;
  return undefined;
}

// PS3.5 6.2: DA is YYYYMMDD, TM is HH[MM[SS[.F{1,6}]]]; both must name a real date or time.
function validDate(text: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function validTime(text: string): boolean {
  const m = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,6})?)?)?$/.exec(text);
  return m !== null && Number(m[1]) < 24 && Number(m[2] ?? 0) < 60 && Number(m[3] ?? 0) < 61;
}

function checkValue(check: ValueCheck, element: DicomJsonElement): string | undefined {
  const values = (element.Value ?? []).filter((v) => v !== null && v !== '').map(String);
  switch (check) {
    case 'uid':
      return values.every(isValidUid) ? undefined : 'not a UID (PS3.5 9.1)';
    case 'date':
      return values.every(validDate) ? undefined : 'not a date YYYYMMDD (PS3.5 6.2)';
    case 'time':
      return values.every(validTime) ? undefined : 'not a time HH[MM[SS[.F{1,6}]]] (PS3.5 6.2)';
  }
}

function itemsOf(element: DicomJsonElement | undefined): DicomJsonDataset[] {
  return (element?.Value ?? []).filter((v): v is DicomJsonDataset => typeof v === 'object' && v !== null);
}

function checkCodeItem(item: DicomJsonDataset, path: readonly Tag[], out: AttributeProblem[]): void {
  const has = (tag: Tag): boolean => hasValue(item[tagKey(tag)]);
  if (!(tagKey(CODE_MEANING) in item)) out.push({ kind: 'missing', path: [...path, CODE_MEANING] });
  else if (!has(CODE_MEANING)) out.push({ kind: 'empty', path: [...path, CODE_MEANING] });
  if (!has(CODE_VALUE) && !has(LONG_CODE_VALUE) && !has(URN_CODE_VALUE)) out.push({ kind: 'missing', path: [...path, CODE_VALUE], reason: 'a code needs Code Value, Long Code Value or URN Code Value' });
  if ((has(CODE_VALUE) || has(LONG_CODE_VALUE)) && !has(CODING_SCHEME_DESIGNATOR)) out.push({ kind: 'missing', path: [...path, CODING_SCHEME_DESIGNATOR] });
}

/** Checks one element against its rule: presence as `type` demands, then values, then items. */
function checkElement(r: Rule, element: DicomJsonElement | undefined, type: 1 | 2 | 3, path: readonly Tag[], out: AttributeProblem[]): void {
  const here = [...path, r.tag];
  if (element === undefined) {
    if (type !== 3) out.push({ kind: 'missing', path: here });
    return;
  }
  if (type === 1 && !hasValue(element)) {
    out.push({ kind: 'empty', path: here });
    return;
  }
  if (r.check) {
    const reason = checkValue(r.check, element);
    if (reason) out.push({ kind: 'invalid', path: here, reason });
  }
  for (const item of itemsOf(element)) {
    if (r.coded) checkCodeItem(item, here, out);
    for (const nested of r.items ?? []) checkElement(nested, item[tagKey(nested.tag)], nested.create, here, out);
  }
}

/**
 * The problems of an N-CREATE attribute list (PS3.4 F.7.2.1): every attribute required at N-CREATE
 * present (and with a value where Type 1), UIDs, dates and times well formed, and the status
 * IN PROGRESS (F.7.2.1.3).
 */
export function checkCreate(attributes: DicomJsonDataset): AttributeProblem[] {
  const problems: AttributeProblem[] = [];
  for (const r of TABLE) checkElement(r, attributes[tagKey(r.tag)], r.create, [], problems);
  const status = attributes[tagKey(PPS_STATUS)];
  if (hasValue(status) && textOf(status) !== 'IN PROGRESS') problems.push({ kind: 'invalid', path: [PPS_STATUS], reason: 'an N-CREATE must say IN PROGRESS (PS3.4 F.7.2.1.3)' });
  return problems;
}

/**
 * The problems of an N-SET modification list (PS3.4 F.7.2.2): attributes Table F.7.2-1 does not allow
 * in N-SET, items of the sequences it carries that lack what they require, malformed values, and a
 * status other than IN PROGRESS, COMPLETED or DISCONTINUED.
 */
export function checkSet(modification: DicomJsonDataset): AttributeProblem[] {
  const problems: AttributeProblem[] = [];
  for (const r of TABLE) {
    const element = modification[tagKey(r.tag)];
    if (element === undefined) continue;
    if (!r.settable) problems.push({ kind: 'not-allowed', path: [r.tag] });
    else checkElement(r, element, 3, [], problems);
  }
  const status = modification[tagKey(PPS_STATUS)];
  if (status !== undefined && !STATUS_VALUES.includes(textOf(status) ?? '')) {
    problems.push({ kind: 'invalid', path: [PPS_STATUS], reason: 'IN PROGRESS, COMPLETED or DISCONTINUED (PS3.3 C.4.14)' });
  }
  return problems;
}

/**
 * What the final state lacks (PS3.4 F.7.2.2.2, the Final State column of Table F.7.2-1): a step may be
 * COMPLETED or DISCONTINUED only with its end date and time and at least one performed series.
 */
export function checkFinal(attributes: DicomJsonDataset): AttributeProblem[] {
  return TABLE.filter((r) => r.final === 1 && !hasValue(attributes[tagKey(r.tag)])).map((r) => ({ kind: 'empty' as const, path: [r.tag] }));
}

/** The status an attribute set states, if it is one of the three. */
export function statusOf(attributes: DicomJsonDataset): 'IN PROGRESS' | 'COMPLETED' | 'DISCONTINUED' | undefined {
  const text = textOf(attributes[tagKey(PPS_STATUS)]);
  return text === 'IN PROGRESS' || text === 'COMPLETED' || text === 'DISCONTINUED' ? text : undefined;
}
