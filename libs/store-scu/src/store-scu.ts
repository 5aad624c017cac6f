import type { BlobStore } from '@tessera/blob-store';
import { canDecodeToNative, openDecodedToNative } from '@tessera/codecs';
import {
  canTranscodeToExplicitLittleEndian,
  coercePatient,
  CommandField,
  DimseStatus,
  lookupTransferSyntax,
  toExplicitLittleEndian,
  toImplicitLittleEndian,
  TransferSyntaxUIDs,
  type AcceptedContext,
  type DicomJsonDataset,
  type DimseConnection,
  type ProposedPresentationContext,
  type TransferSyntax,
} from '@tessera/dicom';
import { finished, pipeline, type Readable } from 'node:stream';

/** A stored instance to send: what it is, how it is encoded, and where it is. */
export interface SendableInstance {
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly transferSyntaxUID: string;
  readonly objectKey: string;
  readonly datasetOffset: number;
  /** The patient-level attributes its patient has now, which the sent data set carries in place of its own; none: as stored. */
  readonly patient?: DicomJsonDataset;
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
 * Tessera can re-encode native data sets into and decode compressed ones to. One transfer syntax per
 * context, so that the peer's answer says exactly which it takes.
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

/** How an instance goes over the accepted contexts: as stored, or re-encoded (decoding its pixel data when compressed). */
export interface ContextChoice {
  readonly context: AcceptedContext;
  readonly reencode?: 'explicit' | 'implicit';
  /** The stored pixel data is encapsulated and is decoded to native for the re-encoding. */
  readonly decode?: true;
}

/**
 * How to send an instance over the accepted contexts: as stored whenever the peer took its stored
 * syntax; otherwise re-encoded to Explicit (preferred) or Implicit VR Little Endian, native data sets
 * by the streaming transcoder and compressed ones through the pixel data decoder; else not at all.
 */
export function chooseContext(contexts: Iterable<AcceptedContext>, instance: SendableInstance): ContextChoice | undefined {
  const forClass = [...contexts].filter((c) => c.abstractSyntax === instance.sopClassUID);
  const stored = forClass.find((c) => c.transferSyntax === instance.transferSyntaxUID);
  if (stored) return { context: stored };
  const source = lookupTransferSyntax(instance.transferSyntaxUID);
  if (!source) return undefined;
  if (source.encapsulated ? !canDecodeToNative(source) : !canTranscodeToExplicitLittleEndian(source)) return undefined;
  const flag = source.encapsulated ? { decode: true as const } : {};
  const explicit = forClass.find((c) => c.transferSyntax === TransferSyntaxUIDs.ExplicitVRLittleEndian);
  if (explicit) return { context: explicit, reencode: 'explicit', ...flag };
  const implicit = forClass.find((c) => c.transferSyntax === TransferSyntaxUIDs.ImplicitVRLittleEndian);
  return implicit ? { context: implicit, reencode: 'implicit', ...flag } : undefined;
}

/**
 * C-STORE as SCU of stored instances over an association (PS3.4 B): each data set streams from the
 * object store as it is, or when the peer accepted none of its stored syntax, re-encoded to an
 * uncompressed one: native data sets through the native transcoder, compressed ones through the pixel
 * data decoder frame by frame. Stops between instances once `signal` aborts.
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
    // The next instance is opened once the current data set has been read to its end, while its last
    // fragments travel and the peer answers, so that the object store's time to first byte does not
    // add to every sub-operation. Opening it earlier would leave an object store response idle for as
    // long as a large instance takes to send.
    const prepare = (i: number): Promise<Prepared> | undefined => (i < instances.length ? this.prepare(contexts, instances[i] as SendableInstance) : undefined);
    let next = prepare(0);
    try {
      for (let i = 0; i < instances.length; i++) {
        if (options.signal.aborted || !connection.isOpen) break;
        const prepared = (await next) as Prepared;
        next = undefined;
        const openNext = (): void => void (next ??= prepare(i + 1));
        if ('result' in prepared) openNext();
        else finished(prepared.dataSet, openNext);
        const result = 'result' in prepared ? prepared.result : await this.transmit(connection, prepared, options.moveOriginator);
        next ??= prepare(i + 1);
        results.push(result);
        await options.onResult?.(result);
      }
    } finally {
      // Opened ahead but never sent (cancelled, or the association ended).
      void next?.then((p) => 'dataSet' in p && p.dataSet.destroy());
    }
    return results;
  }

  /** Chooses the context and opens the data set; a failure here is the sub-operation's result, nothing was sent. */
  private async prepare(contexts: readonly AcceptedContext[], instance: SendableInstance): Promise<Prepared> {
    const choice = chooseContext(contexts, instance);
    if (!choice) return { result: { instance, error: unsendable(instance) } };
    try {
      const dataSet = await this.dataSetFor(instance, choice);
      const prepared: Prepared = { instance, choice, dataSet };
      // Listened to from the start: the stream may fail while it waits its turn.
      dataSet.once('error', (err) => (prepared.error = err));
      return prepared;
    } catch (err) {
      // Nothing has gone to the peer yet: this sub-operation fails and the association carries on.
      return { result: { instance, error: (err as Error).message } };
    }
  }

  private async transmit(connection: DimseConnection, prepared: Opened, originator: MoveOriginator | undefined): Promise<SubOperationResult> {
    const { instance, choice, dataSet } = prepared;
    if (prepared.error) {
      dataSet.destroy();
      return { instance, error: prepared.error.message };
    }
    try {
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
      // A message whose data set fails part-way cannot be ended: only the fragment marked last ends it
      // (PS3.8 E.2), so an A-ABORT (PS3.8 7.3) is the only way to leave the peer in no doubt.
      // (The error is set by the data set's listener while this awaited, which narrowing cannot see.)
      const dataSetError = (prepared as Opened).error;
      if (dataSetError) connection.abort(`the data set of ${instance.sopInstanceUID} failed part-way: ${dataSetError.message}`);
      return { instance, error: (dataSetError ?? (err as Error)).message };
    }
  }

  // The data set to send, as stored or re-encoded, with the patient's current attributes. A decoded one
  // is read up to its first frame here, so that pixel data Tessera cannot decode fails before the
  // C-STORE request is sent.
  private async dataSetFor(instance: SendableInstance, choice: ContextChoice): Promise<Readable> {
    const encoded = await this.encodedDataSet(instance, choice);
    if (!instance.patient) return encoded;
    const sent = lookupTransferSyntax(choice.context.transferSyntax);
    if (!sent) throw new Error(`Unknown transfer syntax ${choice.context.transferSyntax}`);
    return coercePatient(encoded, sent, instance.patient);
  }

  private async encodedDataSet(instance: SendableInstance, choice: ContextChoice): Promise<Readable> {
    const stored = await this.blobs.get(instance.objectKey, { start: instance.datasetOffset });
    if (!choice.reencode) return stored;
    const source = lookupTransferSyntax(instance.transferSyntaxUID) as TransferSyntax;
    if (choice.decode) return openDecodedToNative(stored, source, choice.reencode === 'explicit' ? 'explicit-little-endian' : 'implicit-little-endian');
    // Destroying the transcoder (the association ended) destroys the object store response too.
    return pipeline(stored, choice.reencode === 'explicit' ? toExplicitLittleEndian(source) : toImplicitLittleEndian(source), () => undefined);
  }
}

/** An instance ready to go: its context and its opened data set (and the data set's failure, if any). */
interface Opened {
  readonly instance: SendableInstance;
  readonly choice: ContextChoice;
  readonly dataSet: Readable;
  error?: Error;
}
type Prepared = Opened | { readonly result: SubOperationResult };

function unsendable(instance: SendableInstance): string {
  const source = lookupTransferSyntax(instance.transferSyntaxUID);
  if (source?.encapsulated && !canDecodeToNative(source)) {
    return `the peer accepted none of the transfer syntaxes offered for ${instance.transferSyntaxUID}, and Tessera cannot decode ${source.name} to an uncompressed one`;
  }
  return `the peer accepted no transfer syntax Tessera can send ${instance.transferSyntaxUID} in`;
}
