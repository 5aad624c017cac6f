import { type IncomingMessage, PermanentError, readEnvelope } from '@tessera/bus';
import { InstanceStoredV1, parseEvent } from '@tessera/contracts';
import type { IndexedInstance, IndexOutcome, InstanceIndex } from '@tessera/index-store';
import { inSpan, type Logger } from '@tessera/telemetry';

/**
 * Indexes what the bus reports (ARCHITECTURE §3.5): an instance.stored event becomes patient, study,
 * series and instance rows. Handling is idempotent, so redelivery and replay change nothing; event
 * types this version does not know are skipped, so producers can move ahead of consumers.
 */
export class IndexInstanceUseCase {
  constructor(
    private readonly index: InstanceIndex,
    private readonly logger: Logger,
  ) {}

  async handle(message: IncomingMessage): Promise<IndexOutcome | 'skipped'> {
    const event = this.read(message);
    if (!event) return 'skipped';
    const outcome = await inSpan('index.instance-stored', { 'tessera.tenant': event.instance.tenant, 'dicom.sop_instance_uid': event.instance.sopInstanceUID }, () => this.index.index(event.instance), event.traceparent);
    this.noteErased([event.instance], [outcome]);
    return outcome;
  }

  /**
   * Indexes the events of a batch in one transaction, as handle() would one after another. Throws if
   * any message cannot be read (the bus then hands them over one by one, and that one is dead-lettered).
   */
  async handleMany(messages: readonly IncomingMessage[]): Promise<(IndexOutcome | 'skipped')[]> {
    const events = messages.map((m) => this.read(m));
    const toIndex = events.filter((e): e is NonNullable<typeof e> => e !== undefined);
    const indexed =
      toIndex.length === 0
        ? []
        : await inSpan('index.instance-stored-batch', { 'tessera.batch_size': toIndex.length }, () => this.index.indexMany(toIndex.map((e) => e.instance)), undefined, toIndex.flatMap((e) => (e.traceparent ? [e.traceparent] : [])));
    this.noteErased(toIndex.map((e) => e.instance), indexed);
    let next = 0;
    return events.map((e) => (e ? (indexed[next++] as IndexOutcome) : 'skipped'));
  }

  // Stored just before its patient was erased, and claimed by that erasure (docs/operations.md §22).
  private noteErased(instances: readonly IndexedInstance[], outcomes: readonly IndexOutcome[]): void {
    instances.forEach((instance, i) => {
      if (outcomes[i] === 'erased') this.logger.info('instance of an erased patient not indexed', { tenant: instance.tenant, sopInstanceUID: instance.sopInstanceUID });
    });
  }

  /** The instance an instance.stored event reports; undefined for other event types. */
  private read(message: IncomingMessage): { instance: IndexedInstance; traceparent?: string } | undefined {
    const { type, raw } = readEnvelope(message);
    if (type !== InstanceStoredV1.type) {
      this.logger.debug('skipping an event type the index does not use', { type });
      return undefined;
    }
    let event;
    try {
      event = parseEvent(InstanceStoredV1, raw);
    } catch (err) {
      throw new PermanentError(`instance.stored.v1 breaks its schema: ${(err as Error).message}`);
    }
    const d = event.data;
    const instance: IndexedInstance = {
      tenant: event.tenant,
      studyInstanceUID: d.studyInstanceUID,
      seriesInstanceUID: d.seriesInstanceUID,
      sopInstanceUID: d.sopInstanceUID,
      sopClassUID: d.sopClassUID,
      transferSyntaxUID: d.transferSyntaxUID,
      objectKey: d.objectKey,
      sizeBytes: d.sizeBytes,
      datasetOffset: d.datasetOffset,
      datasetSha256: d.datasetSha256,
      storedAt: new Date(d.storedAt),
      metadata: d.metadata as IndexedInstance['metadata'],
    };
    return { instance, ...(event.traceparent ? { traceparent: event.traceparent } : {}) };
  }
}
