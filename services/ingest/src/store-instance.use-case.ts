import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog, StoredObject } from '@tessera/catalog';
import { encodeFrameIndex, FrameIndexBuilder } from '@tessera/codecs';
import { InstanceStoredV1, type InstanceStoredV1 as InstanceStoredData } from '@tessera/contracts';
import {
  DatasetParser,
  DicomError,
  DicomErrorCode,
  DicomJsonBuilder,
  encodeFileMeta,
  isStorageSopClass,
  isValidUid,
  lookupTransferSyntax,
  stringValue,
  tagKey,
  Tags,
  teeVisitor,
  type DicomJsonDataset,
} from '@tessera/dicom';
import { outboxEntry, type OutboxEntry } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { createInflateRaw, type InflateRaw } from 'node:zlib';

/** Why an instance was not stored. Each edge maps every reason to its protocol (STYLE 7). */
export const StoreFailure = {
  /** The bytes are not a data set in the stated transfer syntax (or are cut short). */
  InvalidDataset: 'invalid-dataset',
  /** SOP Class, SOP Instance, Study Instance or Series Instance UID is missing. */
  MissingAttribute: 'missing-attribute',
  /** A UID breaks the grammar of PS3.5 9.1. */
  InvalidUid: 'invalid-uid',
  /** The data set's UIDs differ from those the request announced. */
  UidMismatch: 'uid-mismatch',
  UnsupportedTransferSyntax: 'unsupported-transfer-syntax',
  SopClassNotSupported: 'sop-class-not-supported',
  /** The SOP Instance UID is stored already with different content (rejected by policy). */
  Conflict: 'conflict',
  /** The identifying attributes were not found within the header limit. */
  HeaderTooLarge: 'header-too-large',
  /** The object store or the database failed; nothing was kept. */
  StorageUnavailable: 'storage-unavailable',
  /** The sender went away mid-transfer; nothing was kept. */
  Aborted: 'aborted',
} as const;
export type StoreFailure = (typeof StoreFailure)[keyof typeof StoreFailure];

/** What to store and where it came from. */
export interface StoreInstanceCommand {
  readonly tenant: string;
  /** Transfer syntax of the data set bytes (negotiated, or from the Part 10 header). */
  readonly transferSyntaxUID: string;
  /** The data set bytes, without any Part 10 header; consumed to its end whatever the outcome. */
  readonly dataSet: Readable;
  /**
   * SOP Class and Instance UIDs announced by the request. A C-STORE command binds the data set to them
   * (PS3.7 9.3.1.1); a Part 10 header only names them, for reports when the data set cannot be read.
   */
  readonly announced?: { readonly sopClassUID: string; readonly sopInstanceUID: string; readonly binding: boolean };
  /** Study the request is addressed to (STOW-RS on /studies/{uid}); a different one is refused. */
  readonly requiredStudyInstanceUID?: string;
  readonly receivedVia: InstanceStoredData['receivedVia'];
  readonly correlationId: string;
  readonly traceparent?: string;
}

/** The identifying UIDs of a received instance, as far as they are known. */
export interface InstanceIdentity {
  readonly sopClassUID?: string;
  readonly sopInstanceUID?: string;
  readonly studyInstanceUID?: string;
  /** Whose instance it is, for the audit trail: Patient ID (0010,0020), its issuer (0010,0021), name (0010,0010). */
  readonly patient?: { readonly id: string; readonly issuer?: string; readonly name?: string };
}

/** An instance durably in the object store but not yet recorded: invisible until committed. */
export interface PendingInstance {
  readonly object: StoredObject;
  readonly event: OutboxEntry;
  readonly identity: InstanceIdentity;
  /** Where each frame of its Pixel Data lies (encoded FrameIndex), kept with the catalog row. */
  readonly frameIndex: Buffer;
}

export type StoreInstanceResult =
  | { readonly outcome: 'stored'; readonly object: StoredObject; readonly identity: InstanceIdentity }
  /** Identical bytes were stored already: a success that stores nothing (ARCHITECTURE §3.6). */
  | { readonly outcome: 'duplicate'; readonly object: StoredObject; readonly identity: InstanceIdentity }
  | { readonly outcome: 'failed'; readonly reason: StoreFailure; readonly message: string; readonly identity: InstanceIdentity };

/** Every result but a new store: an identical instance was there already, or a refusal. */
export type NotStored = Exclude<StoreInstanceResult, { outcome: 'stored' }>;

/** The first phase's result: received and uploaded, already stored, or refused. */
export type ReceiveResult = { readonly outcome: 'received'; readonly pending: PendingInstance } | NotStored;

/** Limits of the ingest path. */
export interface StoreInstanceOptions {
  /** How much of a data set may be held while its identifying attributes are still unknown. */
  readonly maxHeaderBytes: number;
  /** Names this process in event envelopes. */
  readonly source: string;
  /**
   * The largest DICOM JSON (attributes other than bulk data) an instance.stored event may carry; the
   * bus topics are sized for it. A larger header is refused rather than left to block the outbox.
   */
  readonly maxMetadataBytes: number;
}

// The last identifying attribute; once the parser is past it at the top level, every UID the object
// key needs is known (data sets are in ascending tag order, PS3.5 7.1).
const LAST_IDENTIFYING_TAG = Tags.SeriesInstanceUID;

class StoreError extends Error {
  constructor(
    readonly reason: StoreFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Receives one instance (ARCHITECTURE §3): streams its data set to the object store under a key built
 * from validated UIDs, parsing it on the way for its attributes, and reports success only once the
 * object is durable and the catalog row and instance.stored event are committed together. A failure
 * at any point leaves nothing visible; identical re-sends are a no-op success; the same UID with
 * different bytes is refused.
 *
 * It works in two phases so that a request carrying several instances (STOW-RS) can upload them all
 * and commit only once the whole request proved well-formed: `receive` makes the object durable but
 * invisible, `commit` records it, `discard` removes it. `execute` does both for one instance.
 */
export class StoreInstanceUseCase {
  constructor(
    private readonly blobs: BlobStore,
    private readonly catalog: ObjectCatalog,
    private readonly onRecorded: () => void,
    private readonly logger: Logger,
    private readonly options: StoreInstanceOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: StoreInstanceCommand): Promise<StoreInstanceResult> {
    const received = await this.receive(command);
    return received.outcome === 'received' ? this.commit(received.pending) : received;
  }

  /** Phase one: the data set into the object store, unrecorded. */
  async receive(command: StoreInstanceCommand): Promise<ReceiveResult> {
    const reception = new Reception(command, this.options);
    let upload: { key: string; body: PassThrough; done: Promise<unknown> } | undefined;
    let existing: StoredObject | undefined;
    try {
      if (!reception.transferSyntax) {
        throw new StoreError(StoreFailure.UnsupportedTransferSyntax, `Transfer syntax ${command.transferSyntaxUID} is not one Tessera can receive`);
      }
      for await (const chunk of command.dataSet) {
        await reception.take(chunk as Buffer);
        if (upload || existing !== undefined || !reception.identified) continue;
        // Identified: either the instance exists already (then only the digest is needed) or start the upload.
        const ids = reception.validIdentity();
        existing = await this.catalog.find(command.tenant, ids.sopInstanceUID);
        if (!existing) {
          upload = this.startUpload(command, ids);
          await reception.flushTo(upload.body);
        }
      }
      await reception.end();
      const ids = reception.validIdentity();
      if (existing === undefined && !upload) {
        existing = await this.catalog.find(command.tenant, ids.sopInstanceUID);
        if (!existing) {
          upload = this.startUpload(command, ids);
          await reception.flushTo(upload.body);
        }
      }
      if (existing) return this.againstExisting(existing, reception.digest(), reception.identity());
      const started = upload as NonNullable<typeof upload>;
      started.body.end();
      const { sizeBytes } = (await started.done) as { sizeBytes: number };
      const metadataBytes = Buffer.byteLength(JSON.stringify(reception.metadata()));
      if (metadataBytes > this.options.maxMetadataBytes) {
        await this.blobs.delete(started.key).catch(() => undefined);
        throw new StoreError(StoreFailure.HeaderTooLarge, `The instance's attributes other than bulk data take ${metadataBytes} bytes as DICOM JSON, more than the ${this.options.maxMetadataBytes} an event may carry`);
      }
      return { outcome: 'received', pending: this.pending(command, ids, started.key, sizeBytes, reception) };
    } catch (err) {
      upload?.body.destroy(err instanceof Error ? err : new Error(String(err)));
      await upload?.done.catch(() => undefined);
      reception.drain(command.dataSet);
      return this.failure(err, reception.identity());
    }
  }

  private startUpload(command: StoreInstanceCommand, ids: ValidIdentity): { key: string; body: PassThrough; done: Promise<unknown> } {
    // ARCHITECTURE §3.2: the key is built only from validated identifiers; the last segment is new for
    // every upload, so a concurrent or conflicting send can never overwrite a stored object.
    const key = `${command.tenant}/${ids.studyInstanceUID}/${ids.seriesInstanceUID}/${ids.sopInstanceUID}/${randomUUID()}.dcm`;
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    // The store may not be reading yet when a failure destroys this stream; the error reaches the
    // caller through the put promise, so an unheard 'error' event must not take the process down.
    body.on('error', () => undefined);
    body.write(
      encodeFileMeta({
        mediaStorageSOPClassUID: ids.sopClassUID,
        mediaStorageSOPInstanceUID: ids.sopInstanceUID,
        transferSyntaxUID: command.transferSyntaxUID,
        ...(command.receivedVia.callingAETitle ? { sourceApplicationEntityTitle: command.receivedVia.callingAETitle } : {}),
      }),
    );
    const done = this.blobs.put(key, body, { contentType: 'application/dicom' });
    // If the store fails mid-way, writers waiting to hand it more bytes must learn of it at once.
    done.catch((err: Error) => body.destroy(err));
    return { key, body, done };
  }

  /** Phase two: records the object and its event together; only now is it stored. */
  async commit(pending: PendingInstance): Promise<StoreInstanceResult> {
    let outcome;
    try {
      outcome = await this.catalog.record(pending.object, [pending.event], pending.frameIndex);
    } catch (err) {
      await this.discard(pending);
      return { outcome: 'failed', reason: StoreFailure.StorageUnavailable, message: `The catalog could not record the instance: ${(err as Error).message}`, identity: pending.identity };
    }
    if (outcome.kind === 'exists') {
      // Stored meanwhile by another association or an earlier part of the same request.
      await this.discard(pending);
      return this.againstExisting(outcome.existing, pending.object.datasetSha256, pending.identity);
    }
    this.onRecorded();
    return { outcome: 'stored', object: pending.object, identity: pending.identity };
  }

  /** Removes a received object that will not be committed. */
  async discard(pending: PendingInstance): Promise<void> {
    await this.blobs.delete(pending.object.objectKey).catch((e: Error) =>
      this.logger.error('could not delete an uncommitted object; it is an orphan now', { key: pending.object.objectKey, error: e.message }),
    );
  }

  private pending(command: StoreInstanceCommand, ids: ValidIdentity, key: string, sizeBytes: number, reception: Reception): PendingInstance {
    const storedAt = this.now();
    const headerLength = sizeBytes - reception.bytes;
    const object: StoredObject = {
      tenant: command.tenant,
      sopInstanceUID: ids.sopInstanceUID,
      studyInstanceUID: ids.studyInstanceUID,
      seriesInstanceUID: ids.seriesInstanceUID,
      sopClassUID: ids.sopClassUID,
      transferSyntaxUID: command.transferSyntaxUID,
      objectKey: key,
      sizeBytes,
      datasetOffset: headerLength,
      datasetSha256: reception.digest(),
      storedAt,
    };
    const event = outboxEntry(
      InstanceStoredV1,
      { tenant: command.tenant, source: this.options.source, correlationId: command.correlationId, ...(command.traceparent ? { traceparent: command.traceparent } : {}) },
      {
        studyInstanceUID: ids.studyInstanceUID,
        seriesInstanceUID: ids.seriesInstanceUID,
        sopInstanceUID: ids.sopInstanceUID,
        sopClassUID: ids.sopClassUID,
        transferSyntaxUID: command.transferSyntaxUID,
        objectKey: key,
        sizeBytes,
        datasetOffset: headerLength,
        datasetSha256: object.datasetSha256,
        storedAt: storedAt.toISOString(),
        receivedVia: command.receivedVia,
        metadata: reception.metadata(),
      },
      storedAt,
    );
    return { object, event, identity: reception.identity(), frameIndex: encodeFrameIndex(reception.frameIndex.result()) };
  }

  private againstExisting(existing: StoredObject, digest: string, identity: InstanceIdentity): NotStored {
    if (existing.datasetSha256 === digest) return { outcome: 'duplicate', object: existing, identity };
    return {
      outcome: 'failed',
      reason: StoreFailure.Conflict,
      message: `SOP Instance ${existing.sopInstanceUID} is stored already with different content; it is not replaced`,
      identity,
    };
  }

  private failure(err: unknown, identity: InstanceIdentity): NotStored {
    if (err instanceof StoreError) return { outcome: 'failed', reason: err.reason, message: err.message, identity };
    if (err instanceof DicomError) {
      const reason =
        err.code === DicomErrorCode.MissingAttribute
          ? StoreFailure.MissingAttribute
          : err.code === DicomErrorCode.InvalidUid
            ? StoreFailure.InvalidUid
            : err.code === DicomErrorCode.InconsistentIdentifiers
              ? StoreFailure.UidMismatch
              : err.code === DicomErrorCode.LimitExceeded
                ? StoreFailure.HeaderTooLarge
                : StoreFailure.InvalidDataset;
      return { outcome: 'failed', reason, message: err.message, identity };
    }
    const error = err as Error;
    if (error.name === 'AssociationAbortedError' || error.name === 'MultipartError' || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      return { outcome: 'failed', reason: StoreFailure.Aborted, message: error.message, identity };
    }
    this.logger.error('storing an instance failed', { error: error.message, sopInstanceUID: identity.sopInstanceUID });
    return { outcome: 'failed', reason: StoreFailure.StorageUnavailable, message: `Storage failed: ${error.message}`, identity };
  }
}

interface ValidIdentity {
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
}

/** The state of one data set while it streams in: digest, parser, and the bytes held until identified. */
class Reception {
  readonly transferSyntax;
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly builder = new DicomJsonBuilder((ref) => `bulkdata/${ref.offset}-${ref.length}`);
  readonly frameIndex: FrameIndexBuilder;
  private readonly parser: DatasetParser | undefined;
  private readonly inflater: InflateRaw | undefined;
  private inflateError: Error | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private target: PassThrough | undefined;

  constructor(
    private readonly command: StoreInstanceCommand,
    private readonly options: StoreInstanceOptions,
  ) {
    this.transferSyntax = lookupTransferSyntax(command.transferSyntaxUID);
    this.frameIndex = new FrameIndexBuilder(command.transferSyntaxUID);
    if (!this.transferSyntax) return;
    // One pass builds both the DICOM JSON and the frame index, as the bytes stream to the store.
    this.parser = new DatasetParser(this.transferSyntax, teeVisitor(this.builder, this.frameIndex));
    if (this.transferSyntax.deflated) {
      // PS3.5 A.5: the data set is deflated; the stored object keeps it so, the parser reads it inflated.
      const inflater = createInflateRaw();
      inflater.on('data', (chunk: Buffer) => {
        try {
          this.parser?.push(chunk);
        } catch (err) {
          this.inflateError ??= err as Error;
        }
      });
      inflater.on('error', (err) => (this.inflateError ??= new DicomError(DicomErrorCode.MalformedDataset, `The deflated data set cannot be inflated: ${err.message}`)));
      this.inflater = inflater;
    }
  }

  /** True once every identifying attribute has been seen (or can no longer appear). */
  get identified(): boolean {
    return this.builder.lastTopLevelTag > LAST_IDENTIFYING_TAG;
  }

  async take(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.inflater) {
      await new Promise<void>((resolve) => this.inflater?.write(chunk, () => resolve()));
      if (this.inflateError) throw this.inflateError;
    } else {
      this.parser?.push(chunk);
    }
    if (this.target) {
      await write(this.target, chunk);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes > this.options.maxHeaderBytes && !this.identified) {
      throw new DicomError(DicomErrorCode.LimitExceeded, `The identifying attributes were not found in the first ${this.options.maxHeaderBytes} bytes of the data set`);
    }
  }

  async end(): Promise<void> {
    if (this.inflater) {
      await new Promise<void>((resolve) => this.inflater?.end(() => resolve()));
      await new Promise<void>((resolve) => (this.inflater?.readableEnded ? resolve() : this.inflater?.once('end', resolve).once('error', () => resolve())));
      if (this.inflateError) throw this.inflateError;
    }
    this.parser?.end();
  }

  /** Writes what was held to the upload and sends everything after it straight there. */
  async flushTo(target: PassThrough): Promise<void> {
    this.target = target;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const chunk of held) await write(target, chunk);
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }

  metadata(): DicomJsonDataset {
    return this.builder.dataset;
  }

  identity(): InstanceIdentity {
    const d = this.builder.dataset;
    const pick = (tag: number, announced: string | undefined): string | undefined => stringValue(d, tagKey(tag)) ?? announced;
    const sopClassUID = pick(Tags.SOPClassUID, this.command.announced?.sopClassUID);
    const sopInstanceUID = pick(Tags.SOPInstanceUID, this.command.announced?.sopInstanceUID);
    const studyInstanceUID = stringValue(d, tagKey(Tags.StudyInstanceUID));
    const patientId = stringValue(d, tagKey(Tags.PatientID));
    const issuer = stringValue(d, tagKey(Tags.IssuerOfPatientID));
    const name = stringValue(d, tagKey(Tags.PatientName));
    const patient = patientId !== undefined ? { id: patientId, ...(issuer ? { issuer } : {}), ...(name ? { name } : {}) } : undefined;
    return { ...(sopClassUID ? { sopClassUID } : {}), ...(sopInstanceUID ? { sopInstanceUID } : {}), ...(studyInstanceUID ? { studyInstanceUID } : {}), ...(patient ? { patient } : {}) };
  }

  /** The identifying UIDs, validated (PS3.5 9.1) and checked against what the request announced. */
  validIdentity(): ValidIdentity {
    const d = this.builder.dataset;
    const required = (tag: number, name: string): string => {
      const value = stringValue(d, tagKey(tag));
      if (!value) throw new DicomError(DicomErrorCode.MissingAttribute, `The data set has no ${name} ${tagKey(tag)}`);
      if (!isValidUid(value)) throw new DicomError(DicomErrorCode.InvalidUid, `${name} "${value}" is not a valid UID (PS3.5 9.1)`);
      return value;
    };
    const ids = {
      sopClassUID: required(Tags.SOPClassUID, 'SOP Class UID'),
      sopInstanceUID: required(Tags.SOPInstanceUID, 'SOP Instance UID'),
      studyInstanceUID: required(Tags.StudyInstanceUID, 'Study Instance UID'),
      seriesInstanceUID: required(Tags.SeriesInstanceUID, 'Series Instance UID'),
    };
    const announced = this.command.announced?.binding ? this.command.announced : undefined;
    if (announced && announced.sopInstanceUID !== ids.sopInstanceUID) {
      throw new DicomError(DicomErrorCode.InconsistentIdentifiers, `The data set's SOP Instance UID ${ids.sopInstanceUID} differs from the announced ${announced.sopInstanceUID}`);
    }
    if (announced && announced.sopClassUID !== ids.sopClassUID) {
      throw new DicomError(DicomErrorCode.InconsistentIdentifiers, `The data set's SOP Class UID ${ids.sopClassUID} differs from the announced ${announced.sopClassUID}`);
    }
    if (!isStorageSopClass(ids.sopClassUID)) throw new StoreError(StoreFailure.SopClassNotSupported, `SOP Class ${ids.sopClassUID} is not a storage SOP class`);
    const required_ = this.command.requiredStudyInstanceUID;
    if (required_ && required_ !== ids.studyInstanceUID) {
      throw new DicomError(DicomErrorCode.InconsistentIdentifiers, `The instance belongs to study ${ids.studyInstanceUID}, not to ${required_} named in the request`);
    }
    return ids;
  }

  /** After a failure, consume the rest of the data set so that the protocol can answer. */
  drain(stream: Readable): void {
    if (!stream.destroyed && !stream.readableEnded) stream.resume();
  }
}

async function write(stream: PassThrough, data: Buffer): Promise<void> {
  if (stream.destroyed) throw new Error('the object store stopped receiving');
  if (!stream.write(data)) {
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(new Error('the object store stopped receiving'));
      };
      stream.on('drain', onDrain);
      stream.on('close', onClose);
    });
  }
}
