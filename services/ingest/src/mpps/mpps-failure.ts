import { tagKey, type DicomJsonDataset } from '@tessera/dicom';
import { problemPath, type AttributeProblem } from './mpps-attributes';

/** Why an N-CREATE or N-SET of a procedure step was refused. The DIMSE edge maps each to a status (STYLE 7). */
export const MppsFailure = {
  /** N-CREATE without an attribute Table F.7.2-1 requires. */
  MissingAttribute: 'missing-attribute',
  /** A Type 1 attribute without a value, or a final state that lacks what it requires. */
  MissingAttributeValue: 'missing-attribute-value',
  /** A value the attribute may not have (a status other than IN PROGRESS at N-CREATE, a malformed UID, date or time). */
  InvalidAttributeValue: 'invalid-attribute-value',
  /** N-SET of an attribute that Table F.7.2-1 does not allow in N-SET. */
  AttributeNotAllowed: 'attribute-not-allowed',
  /** N-CREATE of a SOP Instance UID the tenant already has. */
  DuplicateInstance: 'duplicate-instance',
  /** N-SET of a SOP Instance UID the tenant does not have. */
  NoSuchInstance: 'no-such-instance',
  /** N-SET of a step already COMPLETED or DISCONTINUED (PS3.4 F.7.2.2.3). */
  NoLongerUpdatable: 'no-longer-updatable',
  /** The attributes would exceed what a step may hold. */
  TooLarge: 'too-large',
} as const;
export type MppsFailure = (typeof MppsFailure)[keyof typeof MppsFailure];

/** A refusal, with what the response may carry about it. */
export interface MppsRefusal {
  readonly outcome: 'refused';
  readonly failure: MppsFailure;
  readonly message: string;
  /** The attributes at fault, for the failures about attributes. */
  readonly problems?: readonly AttributeProblem[];
  /** The offending attributes as received (top level), for an Invalid Attribute Value response (PS3.7 C.5.11). */
  readonly offending?: DicomJsonDataset;
}

/**
 * The refusal for the problems of an attribute list. N-CREATE reports absent attributes first (0120),
 * N-SET attributes it may not carry (0105); both then report missing values, then invalid ones.
 */
export function attributeRefusal(operation: 'N-CREATE' | 'N-SET', problems: readonly AttributeProblem[], received: DicomJsonDataset): MppsRefusal {
  const of = (...kinds: AttributeProblem['kind'][]): AttributeProblem[] => problems.filter((p) => kinds.includes(p.kind));
  const refuse = (failure: MppsFailure, label: string, found: AttributeProblem[], extra: Partial<MppsRefusal> = {}): MppsRefusal => ({
    outcome: 'refused',
    failure,
    message: `${label}: ${found.map((p) => problemPath(p) + (p.reason ? ` ${p.reason}` : '')).join('; ')}`,
    problems: found,
    ...extra,
  });
  if (operation === 'N-CREATE' && of('missing').length > 0) return refuse(MppsFailure.MissingAttribute, 'Missing', of('missing'));
  if (operation === 'N-SET' && of('not-allowed').length > 0) return refuse(MppsFailure.AttributeNotAllowed, 'Not allowed in N-SET', of('not-allowed'));
  if (of('missing', 'empty').length > 0) return refuse(MppsFailure.MissingAttributeValue, 'No value', of('missing', 'empty'));
  const invalid = of('invalid');
  const offending: DicomJsonDataset = {};
  for (const p of invalid) {
    const top = tagKey(p.path[0] as number);
    const element = received[top];
    if (element) offending[top] = element;
  }
  return refuse(MppsFailure.InvalidAttributeValue, 'Invalid', invalid, { offending });
}
