import { DicomError, isValidUid, stringValue, streamJsonWithBulkData, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import { MultipartError, parseMediaType, parseMultipart } from '@tessera/multipart';
import { Readable } from 'node:stream';
import { BulkDataSpool, SpoolUnavailableError } from './bulk-data-spool';
import { StoreFailure, type StoreInstanceUseCase, type InstanceIdentity, type PendingInstance, type StoreInstanceResult } from '../store-instance.use-case';
import { splitPart10 } from './part10-stream';

/** One STOW-RS request (PS3.18 10.5). */
export interface StoreStudiesCommand {
  readonly tenant: string;
  readonly contentType: string | undefined;
  readonly body: Readable;
  /** From the URL /studies/{StudyInstanceUID}: every instance must belong to it. */
  readonly studyInstanceUID?: string;
  readonly correlationId: string;
  readonly remoteAddress?: string;
  readonly traceparent?: string;
}

/** Per-instance results, or why the request as a whole was refused. */
export type StoreStudiesResult =
  | { readonly kind: 'stored'; readonly results: readonly { readonly identity: InstanceIdentity; readonly result: StoreInstanceResult }[] }
  | { readonly kind: 'unsupported-media-type'; readonly message: string }
  | { readonly kind: 'bad-request'; readonly message: string }
  /** Bulk data could not be kept until the metadata was read (the temporary directory is full). */
  | { readonly kind: 'unavailable'; readonly message: string };

/** Where the bulk data of metadata and bulk data requests wait for the metadata, and how large the metadata may be. */
export interface StoreStudiesOptions {
  readonly spoolDirectory: string;
  readonly maxMetadataPartBytes: number;
}

const DICOM = 'application/dicom';
const DICOM_JSON = 'application/dicom+json';

type Outcome = { identity: InstanceIdentity; result: StoreInstanceResult } | { pending: PendingInstance };

/**
 * Stores the instances of a STOW-RS request: Part 10 instances (PS3.18 10.5.1.1), or DICOM JSON metadata
 * with bulk data parts (PS3.18 10.5.1.2). Every part is streamed to the object store as it arrives,
 * but nothing is committed until the whole multipart body has been read and found well formed; a
 * malformed or truncated request therefore stores nothing at all.
 */
export class StoreStudiesUseCase {
  constructor(
    private readonly store: StoreInstanceUseCase,
    private readonly options: StoreStudiesOptions,
  ) {}

  async execute(command: StoreStudiesCommand): Promise<StoreStudiesResult> {
    const media = parseMediaType(command.contentType);
    if (media.type !== 'multipart/related') {
      command.body.resume();
      return { kind: 'unsupported-media-type', message: `STOW-RS takes multipart/related, not ${media.type || 'a body without Content-Type'} (PS3.18 10.5.1)` };
    }
    const rootType = (media.params.type ?? DICOM).toLowerCase();
    if (rootType !== DICOM && rootType !== DICOM_JSON) {
      command.body.resume();
      return { kind: 'unsupported-media-type', message: `multipart/related parts of type ${rootType} are not supported; send application/dicom, or application/dicom+json with bulk data` };
    }
    const boundary = media.params.boundary;
    if (!boundary) {
      command.body.resume();
      return { kind: 'bad-request', message: 'The multipart/related Content-Type has no boundary parameter' };
    }
    if (command.studyInstanceUID !== undefined && !isValidUid(command.studyInstanceUID)) {
      command.body.resume();
      return { kind: 'bad-request', message: `"${command.studyInstanceUID}" in the URL is not a valid Study Instance UID` };
    }

    const pending: PendingInstance[] = [];
    const outcomes: Outcome[] = [];
    let spool: BulkDataSpool | undefined;
    try {
      if (rootType === DICOM_JSON) spool = await BulkDataSpool.create(this.options.spoolDirectory);
    } catch (err) {
      command.body.resume();
      if (err instanceof SpoolUnavailableError) return { kind: 'unavailable', message: err.message };
      throw err;
    }
    try {
      try {
        if (spool) await this.receiveMetadataAndBulkData(command, boundary, spool, pending, outcomes);
        else await this.receiveInstances(command, boundary, pending, outcomes);
      } catch (err) {
        await Promise.all(pending.map((p) => this.store.discard(p)));
        command.body.resume();
        if (err instanceof SpoolUnavailableError) return { kind: 'unavailable', message: err.message };
        if (err instanceof MultipartError || err instanceof RequestError) return { kind: 'bad-request', message: err.message };
        return { kind: 'bad-request', message: `The request body could not be read: ${(err as Error).message}` };
      }
    } finally {
      await spool?.dispose();
    }
    if (outcomes.length === 0) return { kind: 'bad-request', message: 'The request holds no instances' };
    const results: { identity: InstanceIdentity; result: StoreInstanceResult }[] = [];
    for (const outcome of outcomes) {
      results.push('pending' in outcome ? { identity: outcome.pending.identity, result: await this.store.commit(outcome.pending) } : outcome);
    }
    return { kind: 'stored', results };
  }

  private async receiveInstances(command: StoreStudiesCommand, boundary: string, pending: PendingInstance[], outcomes: Outcome[]): Promise<void> {
    for await (const part of parseMultipart(command.body, boundary)) {
      const partType = parseMediaType(part.headers['content-type'] ?? DICOM).type;
      if (partType !== DICOM) {
        part.body.resume();
        outcomes.push({ identity: {}, result: { outcome: 'failed', reason: StoreFailure.InvalidDataset, message: `A part of type ${partType} in an application/dicom request`, identity: {} } });
        continue;
      }
      this.note(await this.receivePart(part.body, command), pending, outcomes);
    }
  }

  /**
   * PS3.18 10.5.1.2: application/dicom+json parts hold arrays of instances; every other part is bulk data
   * that a BulkDataURI names by its Content-Location. Bulk data may come before or after the metadata, so
   * the whole body is read (bulk data to the spool) before the first instance is assembled.
   */
  private async receiveMetadataAndBulkData(command: StoreStudiesCommand, boundary: string, spool: BulkDataSpool, pending: PendingInstance[], outcomes: Outcome[]): Promise<void> {
    const instances: unknown[] = [];
    for await (const part of parseMultipart(command.body, boundary)) {
      const partType = parseMediaType(part.headers['content-type'] ?? DICOM_JSON).type;
      if (partType === DICOM_JSON) instances.push(...(await this.readMetadata(part.body)));
      else await spool.add(part.headers, part.body);
    }
    for (const instance of instances) {
      if (instance === null || typeof instance !== 'object' || Array.isArray(instance)) {
        outcomes.push(failed({}, 'An element of the metadata array is not a DICOM JSON data set'));
        continue;
      }
      const dataset = instance as DicomJsonDataset;
      const identity = identityOf(dataset);
      let streamable;
      try {
        streamable = streamJsonWithBulkData(dataset, (uri) => spool.resolve(uri));
      } catch (err) {
        if (err instanceof DicomError) {
          outcomes.push(failed(identity, err.message));
          continue;
        }
        throw err;
      }
      this.note(
        await this.store.receive({
          tenant: command.tenant,
          transferSyntaxUID: streamable.transferSyntaxUID,
          dataSet: Readable.from(streamable.bytes()),
          ...(command.studyInstanceUID !== undefined ? { requiredStudyInstanceUID: command.studyInstanceUID } : {}),
          receivedVia: { protocol: 'STOW-RS', ...(command.remoteAddress ? { remoteAddress: command.remoteAddress } : {}) },
          correlationId: command.correlationId,
          ...(command.traceparent ? { traceparent: command.traceparent } : {}),
        }),
        pending,
        outcomes,
      );
    }
  }

  private async readMetadata(body: Readable): Promise<unknown[]> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > this.options.maxMetadataPartBytes) throw new RequestError(`An application/dicom+json part is longer than ${this.options.maxMetadataPartBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw new RequestError(`An application/dicom+json part is not JSON: ${(err as Error).message}`);
    }
    // PS3.18 F.2: the DICOM JSON Model of several instances is an array of data sets.
    if (!Array.isArray(parsed)) throw new RequestError('An application/dicom+json part is not an array of DICOM JSON data sets (PS3.18 F.2)');
    return parsed;
  }

  private note(received: Awaited<ReturnType<StoreInstanceUseCase['receive']>>, pending: PendingInstance[], outcomes: Outcome[]): void {
    if (received.outcome === 'received') {
      pending.push(received.pending);
      outcomes.push({ pending: received.pending });
    } else {
      outcomes.push({ identity: received.identity, result: received });
    }
  }

  private async receivePart(body: Readable, command: StoreStudiesCommand) {
    let split;
    try {
      split = await splitPart10(body);
    } catch (err) {
      body.resume();
      if (err instanceof DicomError) return { outcome: 'failed' as const, reason: StoreFailure.InvalidDataset, message: err.message, identity: {} };
      throw err;
    }
    return this.store.receive({
      tenant: command.tenant,
      transferSyntaxUID: split.meta.transferSyntaxUID,
      dataSet: split.dataSet,
      // PS3.10 7.1 wants the header's Media Storage UIDs to equal the data set's, but many archives wrote
      // stale ones. The data set is what is stored (behind a header Tessera writes itself), so a
      // disagreeing header names the instance in reports without refusing a good data set.
      announced: { sopClassUID: split.meta.mediaStorageSOPClassUID, sopInstanceUID: split.meta.mediaStorageSOPInstanceUID, binding: false },
      ...(command.studyInstanceUID !== undefined ? { requiredStudyInstanceUID: command.studyInstanceUID } : {}),
      receivedVia: { protocol: 'STOW-RS', ...(command.remoteAddress ? { remoteAddress: command.remoteAddress } : {}) },
      correlationId: command.correlationId,
      ...(command.traceparent ? { traceparent: command.traceparent } : {}),
    });
  }
}

/** A request the edge answers with 400 as a whole: nothing of it is stored. */
class RequestError extends Error {}

function identityOf(dataset: DicomJsonDataset): InstanceIdentity {
  const sopClassUID = stringValue(dataset, tagKey(Tags.SOPClassUID));
  const sopInstanceUID = stringValue(dataset, tagKey(Tags.SOPInstanceUID));
  const studyInstanceUID = stringValue(dataset, tagKey(Tags.StudyInstanceUID));
  return { ...(sopClassUID ? { sopClassUID } : {}), ...(sopInstanceUID ? { sopInstanceUID } : {}), ...(studyInstanceUID ? { studyInstanceUID } : {}) };
}

function failed(identity: InstanceIdentity, message: string): Outcome {
  return { identity, result: { outcome: 'failed', reason: StoreFailure.InvalidDataset, message, identity } };
}
