import { isDeepStrictEqual } from 'node:util';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createDeflateRaw, createInflateRaw } from 'node:zlib';
import { characterSetEncoder } from '../charset-encoder';
import { DicomError, DicomErrorCode } from '../errors';
import type { DicomJsonDataset, DicomJsonElement } from '../json/dicom-json';
import { DicomJsonBuilder } from '../json/dicom-json-builder';
import { DatasetParser, type DatasetVisitor, type ElementHeader } from '../parser/dataset-parser';
import { levelOfTag } from '../query/levels';
import { parseTagKey, tagKey, Tags, type Tag } from '../tag';
import { EXPLICIT_VR_LITTLE_ENDIAN, type TransferSyntax } from '../transfer-syntax';
import { encodeJsonDataset } from '../writer/json-to-dataset';

// The patient's attributes are group 0010 (PS3.3 C.7.1.1); they and what precedes them (groups 0002
// to 0010: SOP class and instance, character set, dates, accession number…) are a few KiB at most.
// More than this before group 0011 is not an object whose header can be held.
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const LAST_PATIENT_TAG: Tag = 0x0010ffff;

const isPatientTag = (tag: Tag): boolean => tag >>> 16 === 0x0010 && levelOfTag(tag) === 'PATIENT';

/** Thrown by the visitor to stop the parser at the first element past the patient's attributes. */
class HeaderEnd extends Error {}

/** Walks the header, noting where each top-level element starts, and builds its DICOM JSON up to group 0011. */
class HeaderVisitor implements DatasetVisitor {
  readonly builder = new DicomJsonBuilder(() => '');
  readonly starts: { tag: Tag; offset: number }[] = [];
  end: number | undefined;
  private depth = 0;

  wantsValue(header: ElementHeader): boolean {
    return this.builder.wantsValue(header);
  }

  element(header: ElementHeader, value: Buffer | undefined): void {
    this.top(header);
    this.builder.element(header, value);
  }

  sequenceStart(header: ElementHeader): void {
    this.top(header);
    this.depth += 1;
    this.builder.sequenceStart(header);
  }

  itemStart(): void {
    this.builder.itemStart();
  }

  itemEnd(): void {
    this.builder.itemEnd();
  }

  sequenceEnd(): void {
    this.depth -= 1;
    this.builder.sequenceEnd();
  }

  encapsulatedStart(header: ElementHeader): void {
    this.top(header);
    this.builder.encapsulatedStart(header);
  }

  fragment(valueOffset: number, length: number): void {
    this.builder.fragment(valueOffset, length);
  }

  encapsulatedEnd(): void {
    this.builder.encapsulatedEnd();
  }

  private top(header: ElementHeader): void {
    if (this.depth > 0) return;
    if (header.tag > LAST_PATIENT_TAG) {
      this.end = header.offset;
      throw new HeaderEnd();
    }
    this.starts.push({ tag: header.tag, offset: header.offset });
  }
}

/**
 * A data set stream with the patient's attributes coerced to the archive's current ones (IHE RAD
 * TF-2 4.12.4.1.3, Patient Information Reconciliation: after a patient update or merge, retrieved
 * objects carry the updated demographics; the stored ones are not changed). Only the header is held:
 * the bytes up to the first top-level element past group 0010; they are re-written when the object's
 * patient-level attributes (PS3.4 C.6.1.1.2) differ from `patient`, and everything after them (pixel
 * data included) streams through untouched. An attribute the object has and `patient` lacks is written
 * empty, since several are Type 2. Text is encoded in the object's Specific Character Set; a value it
 * cannot represent fails the stream (DicomError, MalformedDataset). Not for deflated data sets: see
 * coercePatient.
 */
export class PatientCoercion extends Transform {
  private readonly visitor = new HeaderVisitor();
  private readonly parser: DatasetParser;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private passing = false;
  /** Whether the header was re-written (known once the header has gone through). */
  coerced = false;

  constructor(
    private readonly ts: Pick<TransferSyntax, 'explicitVR' | 'littleEndian'>,
    private readonly patient: DicomJsonDataset,
  ) {
    super();
    this.parser = new DatasetParser(ts, this.visitor);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.passing) return done(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    try {
      this.parser.push(chunk);
    } catch (err) {
      if (!(err instanceof HeaderEnd)) return done(err as Error);
    }
    try {
      if (this.visitor.end !== undefined) this.release(this.visitor.end);
      else if (this.heldBytes > MAX_HEADER_BYTES) throw new DicomError(DicomErrorCode.LimitExceeded, `More than ${MAX_HEADER_BYTES} bytes before the end of the patient's attributes`);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.passing) return done();
    try {
      // The data set ends within the header: all of it is header.
      this.parser.end();
      this.release(this.heldBytes);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private release(end: number): void {
    const all = Buffer.concat(this.held);
    this.held = [];
    this.passing = true;
    this.push(this.rewritten(all.subarray(0, end)));
    if (all.length > end) this.push(all.subarray(end));
  }

  private rewritten(header: Buffer): Buffer {
    const found = this.visitor.builder.dataset;
    const has = patientPart(found);
    const wanted = patientPart(this.patient);
    if (isDeepStrictEqual(valued(has), valued(wanted))) return header;
    const charset = (found[tagKey(Tags.SpecificCharacterSet)]?.Value ?? []).map((v) => (typeof v === 'string' ? v : ''));
    const encode = characterSetEncoder(charset);
    const replacements: { tag: Tag; bytes: Buffer }[] = [];
    for (const key of new Set([...Object.keys(has), ...Object.keys(wanted)])) {
      const element: DicomJsonElement = wanted[key] ?? { vr: (has[key] as DicomJsonElement).vr };
      replacements.push({ tag: parseTagKey(key) as Tag, bytes: encodeJsonDataset({ [key]: element }, this.ts, encode) });
    }
    const kept = this.visitor.starts
      .map((s, i) => ({ tag: s.tag, bytes: header.subarray(s.offset, this.visitor.starts[i + 1]?.offset ?? header.length) }))
      .filter((e) => !isPatientTag(e.tag));
    this.coerced = true;
    return Buffer.concat([...kept, ...replacements].sort((a, b) => a.tag - b.tag).map((e) => e.bytes));
  }
}

function patientPart(dataset: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(dataset).filter(([key]) => isPatientTag(parseTagKey(key) ?? 0)));
}

// An attribute without a value says as much as no attribute at all.
function valued(dataset: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(dataset).filter(([, e]) => (e.Value !== undefined && e.Value.length > 0) || e.InlineBinary !== undefined || e.BulkDataURI !== undefined));
}

/**
 * A data set in `ts` with the patient's attributes coerced to `patient` (see PatientCoercion). A
 * deflated data set (PS3.5 A.5) is inflated, coerced and deflated again, in bounded memory. The
 * stream returned owns `dataSet`: an error of either fails both, and destroying it (a client gone)
 * destroys `dataSet` too, which lets go of an object store response.
 */
export function coercePatient(dataSet: Readable, ts: TransferSyntax, patient: DicomJsonDataset): Readable {
  if (!ts.deflated) return pipeline(dataSet, new PatientCoercion(ts, patient), () => undefined);
  return pipeline(dataSet, createInflateRaw(), new PatientCoercion(EXPLICIT_VR_LITTLE_ENDIAN, patient), createDeflateRaw(), () => undefined);
}
