import type { BlobStore } from '@tessera/blob-store';
import {
  canTranscodeToExplicitLittleEndian,
  CommandField,
  DimseStatus,
  lookupTransferSyntax,
  toExplicitLittleEndian,
  toImplicitLittleEndian,
  TransferSyntaxUIDs,
  type AcceptedContext,
  type DimseConnection,
  type ProposedPresentationContext,
} from '@tessera/dicom';
import type { Readable } from 'node:stream';

/** A stored instance to send: what it is, how it is encoded, and where it is. */
export interface SendableInstance {
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly transferSyntaxUID: string;
  readonly objectKey: string;
  readonly datasetOffset: number;
}

/** What one C-STORE sub-operation came to: the peer's status, or why it was not sent. */
export interface SubOperationResult {
  readonly instance: SendableInstance;
  /** The C-STORE-RSP status; undefined when the instance could not be sent at all. */
  readonly status?: number;
  readonly error?: string;
}

/** Whether a sub-operation status counts as completed, a warning, or a failure (PS3.4 B.2.3). */
export function outcomeOf(result: SubOperationResult): 'completed' | 'warning' | 'failed' {
  if (result.status === undefined) return 'failed';
  if (result.status === DimseStatus.Success) return 'completed';
  if ((result.status & 0xf000) === 0xb000) return 'warning';
  return 'failed';
}

/** The C-MOVE originator to name in each sub-operation (PS3.7 9.1.1.1, 9.3.1.1). */
export interface MoveOriginator {
  readonly aeTitle: string;
  readonly messageId: number;
}

// At most 128 presentation contexts fit an association (odd ids 1-255, PS3.8 9.3.2.2).
const MAX_CONTEXTS = 128;

/**
 * Presentation contexts to propose for sending these instances: for each SOP class, one per transfer
 * syntax it is stored in (to send it unchanged), plus Explicit and Implicit VR Little Endian, which
 * Tessera can re-encode native data sets into. One transfer syntax per context, so that the peer's
 * answer says exactly which it takes.
 */
export function proposeContexts(instances: readonly SendableInstance[]): ProposedPresentationContext[] {
  const bySopClass = new Map<string, Set<string>>();
  for (const i of instances) {
    const syntaxes = bySopClass.get(i.sopClassUID) ?? new Set<string>();
    syntaxes.add(i.transferSyntaxUID);
    bySopClass.set(i.sopClassUID, syntaxes);
  }
  const proposals: ProposedPresentationContext[] = [];
  for (const [sopClass, stored] of bySopClass) {
    for (const ts of new Set([...stored, TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ImplicitVRLittleEndian])) {
      if (proposals.length === MAX_CONTEXTS) return proposals;
      proposals.push({ id: proposals.length * 2 + 1, abstractSyntax: sopClass, transferSyntaxes: [ts] });
    }
  }
  return proposals;
}

/** How to send an instance over the accepted contexts: as stored, re-encoded, or not at all. */
export function chooseContext(contexts: Iterable<AcceptedContext>, instance: SendableInstance): { context: AcceptedContext; reencode?: 'explicit' | 'implicit' } | undefined {
  const forClass = [...contexts].filter((c) => c.abstractSyntax === instance.sopClassUID);
  const stored = forClass.find((c) => c.transferSyntax === instance.transferSyntaxUID);
  if (stored) return { context: stored };
  const source = lookupTransferSyntax(instance.transferSyntaxUID);
  if (!source || !canTranscodeToExplicitLittleEndian(source)) return undefined;
  const explicit = forClass.find((c) => c.transferSyntax === TransferSyntaxUIDs.ExplicitVRLittleEndian);
  if (explicit) return { context: explicit, reencode: 'explicit' };
  const implicit = forClass.find((c) => c.transferSyntax === TransferSyntaxUIDs.ImplicitVRLittleEndian);
  return implicit ? { context: implicit, reencode: 'implicit' } : undefined;
}

/**
 * C-STORE as SCU of stored instances over an association (PS3.4 B): each data set streams from the
 * object store as it is, or through the native transcoder when the peer accepted only an
 * uncompressed syntax. Stops between instances once `signal` aborts.
 */
export class StoreScu {
  constructor(private readonly blobs: BlobStore) {}

  async send(
    connection: DimseConnection,
    instances: readonly SendableInstance[],
    options: {
      readonly moveOriginator?: MoveOriginator;
      /** The contexts that may carry C-STOREs (C-GET: those where the requester took the SCP role); default all. */
      readonly contexts?: readonly AcceptedContext[];
      readonly signal: AbortSignal;
      readonly onResult?: (result: SubOperationResult) => Promise<void> | void;
    },
  ): Promise<SubOperationResult[]> {
    const results: SubOperationResult[] = [];
    const contexts = options.contexts ?? [...connection.contexts.values()];
    for (const instance of instances) {
      if (options.signal.aborted || !connection.isOpen) break;
      const result = await this.sendOne(connection, contexts, instance, options.moveOriginator);
      results.push(result);
      await options.onResult?.(result);
    }
    return results;
  }

  private async sendOne(connection: DimseConnection, contexts: readonly AcceptedContext[], instance: SendableInstance, originator: MoveOriginator | undefined): Promise<SubOperationResult> {
    const choice = chooseContext(contexts, instance);
    if (!choice) return { instance, error: `the peer accepted no transfer syntax Tessera can send ${instance.transferSyntaxUID} in` };
    try {
      let dataSet: Readable = await this.blobs.get(instance.objectKey, { start: instance.datasetOffset });
      if (choice.reencode) {
        const source = lookupTransferSyntax(instance.transferSyntaxUID) as NonNullable<ReturnType<typeof lookupTransferSyntax>>;
        const transcoder = choice.reencode === 'explicit' ? toExplicitLittleEndian(source) : toImplicitLittleEndian(source);
        dataSet.on('error', (err) => transcoder.destroy(err));
        dataSet = dataSet.pipe(transcoder);
      }
      let status: number | undefined;
      for await (const response of connection.request(
        choice.context,
        {
          commandField: CommandField.CStoreRQ,
          affectedSOPClassUID: instance.sopClassUID,
          affectedSOPInstanceUID: instance.sopInstanceUID,
          priority: 0,
          ...(originator ? { moveOriginatorAETitle: originator.aeTitle, moveOriginatorMessageId: originator.messageId } : {}),
        },
        dataSet,
      )) {
        status = response.command.status;
      }
      return status === undefined ? { instance, error: 'no C-STORE response' } : { instance, status };
    } catch (err) {
      return { instance, error: (err as Error).message };
    }
  }
}
