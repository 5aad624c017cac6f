import type { Hl7CharacterSet } from './character-set';
import type { EncodingCharacters } from './encoding-characters';
import { escapeValue } from './escape';

/** A component: its subcomponents, unescaped. */
export type Hl7Component = readonly string[];
/** One occurrence of a field: its components. */
export type Hl7Repetition = readonly Hl7Component[];
/** A field: its repetitions; an empty field has none. */
export type Hl7Field = readonly Hl7Repetition[];

/** A segment: its three-character name and its fields, numbered as HL7 numbers them. */
export class Hl7Segment {
  constructor(
    readonly name: string,
    /** Field n at index n - 1. For MSH, field 1 is the field separator and field 2 the encoding characters, each as one value. */
    readonly fields: readonly Hl7Field[],
  ) {}

  /** Field n (HL7 numbering: MSH-1 is the field separator); an absent field has no repetitions. */
  field(n: number): Hl7Field {
    return this.fields[n - 1] ?? [];
  }

  /** The text of field n, component, subcomponent, in its first repetition; "" where absent. */
  value(n: number, component = 1, subcomponent = 1): string {
    return this.field(n)[0]?.[component - 1]?.[subcomponent - 1] ?? '';
  }
}

/** What a reply needs from the message it answers: its delimiters, its character set and its MSH, as far as they could be read. */
export interface ReceivedHeader {
  readonly encoding: EncodingCharacters;
  readonly characterSet: Hl7CharacterSet;
  /** The MSH segment; absent when even its fields could not be told apart. */
  readonly header?: Hl7Segment;
}

/** A parsed HL7 v2 message: its segments in order, the first being MSH. */
export class Hl7Message implements ReceivedHeader {
  constructor(
    readonly segments: readonly Hl7Segment[],
    readonly encoding: EncodingCharacters,
    readonly characterSet: Hl7CharacterSet,
  ) {}

  get header(): Hl7Segment {
    return this.segments[0] as Hl7Segment;
  }

  /** MSH-9: message code, trigger event and message structure. */
  get messageType(): { readonly code: string; readonly trigger: string; readonly structure: string } {
    return { code: this.header.value(9, 1), trigger: this.header.value(9, 2), structure: this.header.value(9, 3) };
  }

  /** MSH-10, the sender's message control ID. */
  get controlId(): string {
    return this.header.value(10);
  }

  /** MSH-12's version ID, e.g. "2.5.1". */
  get version(): string {
    return this.header.value(12);
  }
}

/** A field as it is written, with the message's delimiters and escapes (HL7 v2.5.1 2.6). */
export function encodeField(field: Hl7Field, encoding: EncodingCharacters): string {
  return field.map((repetition) => repetition.map((component) => component.map((s) => escapeValue(s, encoding)).join(encoding.subcomponent)).join(encoding.component)).join(encoding.repetition);
}
