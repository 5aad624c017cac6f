import { DicomError, isValidUid } from '@tessera/dicom';
import { MultipartError, parseMediaType, parseMultipart } from '@tessera/multipart';
import type { Readable } from 'node:stream';
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
  | { readonly kind: 'bad-request'; readonly message: string };

/**
 * Stores the instances of a STOW-RS request. Every part is streamed to the object store as it arrives,
 * but nothing is committed until the whole multipart body has been read and found well formed; a
 * malformed or truncated request therefore stores nothing at all.
 */
export class StoreStudiesUseCase {
  constructor(private readonly store: StoreInstanceUseCase) {}

  async execute(command: StoreStudiesCommand): Promise<StoreStudiesResult> {
    const media = parseMediaType(command.contentType);
    if (media.type !== 'multipart/related') {
      command.body.resume();
      return { kind: 'unsupported-media-type', message: `STOW-RS takes multipart/related, not ${media.type || 'a body without Content-Type'} (PS3.18 10.5.1)` };
    }
    const rootType = (media.params.type ?? 'application/dicom').toLowerCase();
    if (rootType !== 'application/dicom') {
      command.body.resume();
      return { kind: 'unsupported-media-type', message: `multipart/related parts of type ${rootType} are not supported; send application/dicom` };
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
    const outcomes: ({ identity: InstanceIdentity; result: StoreInstanceResult } | { pending: PendingInstance })[] = [];
    try {
      for await (const part of parseMultipart(command.body, boundary)) {
        const partType = parseMediaType(part.headers['content-type'] ?? rootType).type;
        if (partType !== 'application/dicom') {
          part.body.resume();
          outcomes.push({ identity: {}, result: { outcome: 'failed', reason: StoreFailure.InvalidDataset, message: `A part of type ${partType} in an application/dicom request`, identity: {} } });
          continue;
        }
        const received = await this.receivePart(part.body, command);
        if (received.outcome === 'received') {
          pending.push(received.pending);
          outcomes.push({ pending: received.pending });
        } else {
          const identity = received.identity;
          outcomes.push({ identity, result: received });
        }
      }
    } catch (err) {
      await Promise.all(pending.map((p) => this.store.discard(p)));
      command.body.resume();
      const message = err instanceof MultipartError ? err.message : `The request body could not be read: ${(err as Error).message}`;
      return { kind: 'bad-request', message };
    }
    if (outcomes.length === 0) return { kind: 'bad-request', message: 'The request holds no instances' };
    const results: { identity: InstanceIdentity; result: StoreInstanceResult }[] = [];
    for (const outcome of outcomes) {
      results.push('pending' in outcome ? { identity: outcome.pending.identity, result: await this.store.commit(outcome.pending) } : outcome);
    }
    return { kind: 'stored', results };
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
