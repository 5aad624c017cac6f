import type { Hl7Location } from './hl7-error';

/**
 * Why the content of a well-formed message cannot be applied, as HL7 Table 0357 classes it: a
 * segment missing, a required field empty, a value of the wrong form, a code not in its table, a key
 * that names nothing, or one that exists already. The edge maps each to ERR-3 (STYLE 7).
 */
export type ContentCondition = 'segment-missing' | 'required-field-missing' | 'data-type-error' | 'table-value-not-found' | 'unknown-key' | 'duplicate-key';

/** What is wrong with a message's content, and where. */
export interface ContentProblem {
  readonly condition: ContentCondition;
  readonly location: Hl7Location;
  readonly message: string;
}

/** A value read from a message, or what is wrong with it. */
export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: ContentProblem };

/** Thrown inside a reader and turned into its result: the first problem ends the reading. */
export class ContentProblemError extends Error {
  constructor(readonly problem: ContentProblem) {
    super(problem.message);
    this.name = 'ContentProblemError';
  }
}

/** Runs a reader, returning what it read or the first problem it found. */
export function readWith<T>(read: () => T): ReadResult<T> {
  try {
    return { ok: true, value: read() };
  } catch (err) {
    if (err instanceof ContentProblemError) return { ok: false, problem: err.problem };
    throw err;
  }
}

/** Ends the reading with a problem. */
export function problem(condition: ContentCondition, location: Hl7Location, message: string): never {
  throw new ContentProblemError({ condition, location, message });
}
