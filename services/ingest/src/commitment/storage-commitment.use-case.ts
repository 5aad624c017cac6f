import type { AeRegistry } from '@tessera/ae-registry';
import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import type { CommitmentRecord, CommitmentReference, CommitmentRequest, CommitmentResult, CommitmentStore, FailedReference } from '@tessera/commitment';
import {
  characterSetEncoder,
  CommandField,
  DimseStatus,
  encodeJsonDataset,
  lookupTransferSyntax,
  Tags,
  tagKey,
  TransferSyntaxUIDs,
  type AcceptedContext,
  type DicomJsonDataset,
  type DimseConnection,
} from '@tessera/dicom';
import type { DimseOutbound } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { createHash } from 'node:crypto';

/** Storage Commitment Push Model SOP class and its well-known SOP instance (PS3.4 J.3, J.3.5). */
export const STORAGE_COMMITMENT_PUSH_MODEL = '1.2.840.10008.1.20.1';
export const STORAGE_COMMITMENT_INSTANCE = '1.2.840.10008.1.20.1.1';

/** Failure Reason values Tessera reports (PS3.3 C.14.1.1). */
export const FailureReason = {
  ProcessingFailure: 0x0110,
  NoSuchObjectInstance: 0x0112,
  ClassInstanceConflict: 0x0119,
} as const;

/** N-EVENT-REPORT Event Type IDs (PS3.4 J.3.3.1): all committed, or some failed. */
const EventType = { Successful: 1, FailuresExist: 2 } as const;

/** How long a reported or abandoned request stays inspectable over REST. */
export const COMMITMENT_RETENTION_DAYS = 30;

const TRANSACTION_UID = 0x00081195;

export interface CommitmentOptions {
  /** How long a request stays with whoever works on it before another process may take it over. */
  readonly leaseMs: number;
  /** The waits before each further delivery attempt; after the last, the report is abandoned. */
  readonly retryDelaysMs: readonly number[];
}

/**
 * Storage commitment (PS3.4 J.3): an instance is committed only when its object is in the object
 * store and its data set still hashes to the digest recorded when it was stored. The report goes
 * back on the requester's association while it is open, else on a new association to the AE the
 * tenant registered under the requester's title, with Tessera in the SCP role (PS3.4 J.3.3); failed
 * deliveries are retried on a schedule. Every request is kept until reported, so none is lost to a
 * restart.
 */
export class StorageCommitmentUseCase {
  private lastForgotten = 0;

  constructor(
    private readonly store: CommitmentStore,
    private readonly catalog: ObjectCatalog,
    private readonly blobs: BlobStore,
    private readonly aes: AeRegistry,
    private readonly outbound: Pick<DimseOutbound, 'associate'>,
    private readonly logger: Logger,
    private readonly options: CommitmentOptions,
  ) {}

  /** Keeps a request received with N-ACTION; once this resolves, Tessera answers success. */
  async accept(request: CommitmentRequest): Promise<void> {
    await this.store.accept(request, this.options.leaseMs);
  }

  /** Verifies (unless already verified) and reports, on `association` if it is still open. */
  async settle(request: CommitmentRequest & Partial<Pick<CommitmentRecord, 'result' | 'attempts'>>, association?: { connection: DimseConnection; context: AcceptedContext }): Promise<void> {
    let result = request.result;
    if (!result) {
      result = await this.verify(request);
      await this.store.recordResult(request.tenant, request.transactionUID, result);
    }
    const attempts = request.attempts ?? 0;
    if (association?.connection.isOpen) {
      try {
        await report(association.connection, association.context, request, result);
        await this.reported(request, result, 'the requesting association');
        return;
      } catch (err) {
        this.logger.info('storage commitment report not taken on the requesting association', { transaction: request.transactionUID, error: (err as Error).message });
      }
    }
    try {
      await this.reportOnNewAssociation(request, result);
      await this.reported(request, result, 'a new association');
    } catch (err) {
      const delay = this.options.retryDelaysMs[attempts];
      const retryAt = delay === undefined ? undefined : new Date(Date.now() + delay);
      await this.store.deliveryFailed(request.tenant, request.transactionUID, (err as Error).message, retryAt);
      this.logger.warn(retryAt ? 'storage commitment report not delivered; will retry' : 'storage commitment report abandoned after its last attempt', {
        tenant: request.tenant,
        transaction: request.transactionUID,
        requester: request.requestingAETitle,
        attempt: attempts + 1,
        error: (err as Error).message,
        ...(retryAt ? { retryAt: retryAt.toISOString() } : {}),
      });
    }
  }

  /**
   * Settles the requests whose next attempt is due (after a restart, or a failed delivery), and once
   * an hour forgets the finished ones older than COMMITMENT_RETENTION_DAYS: their references can be
   * thousands of UIDs each, and the requester has had its answer.
   */
  async sweep(limit = 10): Promise<number> {
    const due = await this.store.claimDue(limit, this.options.leaseMs);
    for (const request of due) await this.settle(request);
    const now = Date.now();
    if (now - this.lastForgotten >= 3_600_000) {
      this.lastForgotten = now;
      await this.store.forgetFinished(new Date(now - COMMITMENT_RETENTION_DAYS * 86_400_000));
    }
    return due.length;
  }

  find(tenant: string, transactionUID: string): Promise<CommitmentRecord | undefined> {
    return this.store.find(tenant, transactionUID);
  }

  /** Each referenced instance, checked against the catalog and its stored bytes. */
  async verify(request: CommitmentRequest): Promise<CommitmentResult> {
    const committed: CommitmentReference[] = [];
    const failed: FailedReference[] = [];
    for (const reference of request.references) {
      const reason = await this.check(request.tenant, reference);
      if (reason === undefined) committed.push(reference);
      else failed.push({ ...reference, failureReason: reason });
    }
    return { committed, failed };
  }

  private async check(tenant: string, reference: CommitmentReference): Promise<number | undefined> {
    const stored = await this.catalog.find(tenant, reference.sopInstanceUID);
    if (!stored) return FailureReason.NoSuchObjectInstance;
    if (stored.sopClassUID !== reference.sopClassUID) return FailureReason.ClassInstanceConflict;
    try {
      const hash = createHash('sha256');
      for await (const chunk of await this.blobs.get(stored.objectKey, { start: stored.datasetOffset })) hash.update(chunk as Buffer);
      if (hash.digest('hex') === stored.datasetSha256) return undefined;
      this.logger.error('stored object does not match its digest', { tenant, instance: reference.sopInstanceUID, objectKey: stored.objectKey });
    } catch (err) {
      this.logger.error('stored object could not be read for storage commitment', { tenant, instance: reference.sopInstanceUID, objectKey: stored.objectKey, error: (err as Error).message });
    }
    return FailureReason.ProcessingFailure;
  }

  private async reportOnNewAssociation(request: CommitmentRequest, result: CommitmentResult): Promise<void> {
    const requester = await this.aes.find(request.tenant, request.requestingAETitle);
    if (!requester) throw new Error(`${request.requestingAETitle} is not a registered AE of tenant ${request.tenant}: there is nowhere to send the report`);
    // Tessera requests this association but is the SCP of the SOP class on it (PS3.4 J.3.3, PS3.7 D.3.3.4).
    const connection = await this.outbound.associate(
      requester,
      request.calledAETitle,
      [{ id: 1, abstractSyntax: STORAGE_COMMITMENT_PUSH_MODEL, transferSyntaxes: [TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ImplicitVRLittleEndian] }],
      [{ sopClassUid: STORAGE_COMMITMENT_PUSH_MODEL, scuRole: false, scpRole: true }],
    );
    try {
      const context = connection.contextFor(STORAGE_COMMITMENT_PUSH_MODEL);
      if (!context) throw new Error(`${request.requestingAETitle} did not accept Storage Commitment Push Model`);
      await report(connection, context, request, result);
    } finally {
      await connection.release();
    }
  }

  private async reported(request: CommitmentRequest, result: CommitmentResult, via: string): Promise<void> {
    await this.store.markReported(request.tenant, request.transactionUID);
    this.logger.info('storage commitment reported', { tenant: request.tenant, transaction: request.transactionUID, requester: request.requestingAETitle, committed: result.committed.length, failed: result.failed.length, via });
  }
}

/** Sends the N-EVENT-REPORT (PS3.4 J.3.3.1) and throws unless the requester answers success. */
async function report(connection: DimseConnection, context: AcceptedContext, request: CommitmentRequest, result: CommitmentResult): Promise<void> {
  const ts = lookupTransferSyntax(context.transferSyntax) as NonNullable<ReturnType<typeof lookupTransferSyntax>>;
  const command = {
    commandField: CommandField.NEventReportRQ,
    affectedSOPClassUID: STORAGE_COMMITMENT_PUSH_MODEL,
    affectedSOPInstanceUID: STORAGE_COMMITMENT_INSTANCE,
    eventTypeId: result.failed.length === 0 ? EventType.Successful : EventType.FailuresExist,
  };
  let status: number | undefined;
  for await (const response of connection.request(context, command, encodeJsonDataset(eventInformation(request, result), ts, characterSetEncoder(undefined)))) status = response.command.status;
  if (status !== DimseStatus.Success) throw new Error(`the requester answered the N-EVENT-REPORT with status ${status === undefined ? 'none' : `0x${status.toString(16).padStart(4, '0')}`}`);
}

/** The Event Information of the report (PS3.4 Table J.3-2). */
function eventInformation(request: CommitmentRequest, result: CommitmentResult): DicomJsonDataset {
  const item = (r: CommitmentReference): DicomJsonDataset => ({ [tagKey(Tags.ReferencedSOPClassUID)]: { vr: 'UI', Value: [r.sopClassUID] }, [tagKey(Tags.ReferencedSOPInstanceUID)]: { vr: 'UI', Value: [r.sopInstanceUID] } });
  return {
    [tagKey(TRANSACTION_UID)]: { vr: 'UI', Value: [request.transactionUID] },
    // Where the committed instances can be retrieved from.
    [tagKey(Tags.RetrieveAETitle)]: { vr: 'AE', Value: [request.calledAETitle] },
    ...(result.committed.length > 0 ? { [tagKey(Tags.ReferencedSOPSequence)]: { vr: 'SQ', Value: result.committed.map(item) } } : {}),
    ...(result.failed.length > 0
      ? { [tagKey(Tags.FailedSOPSequence)]: { vr: 'SQ', Value: result.failed.map((f) => ({ ...item(f), [tagKey(Tags.FailureReason)]: { vr: 'US', Value: [f.failureReason] } })) } }
      : {}),
  };
}
