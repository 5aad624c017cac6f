import { PermanentError, type IncomingMessage } from '@tessera/bus';
import { EnvelopeSchema, InstanceStoredV1, parseEvent } from '@tessera/contracts';
import type { InstanceIndex } from '@tessera/index-store';
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

  async handle(message: IncomingMessage): Promise<'indexed' | 'unchanged' | 'skipped'> {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value.toString('utf8'));
    } catch {
      throw new PermanentError('the message is not JSON');
    }
    const envelope = EnvelopeSchema.safeParse(raw);
    if (!envelope.success) throw new PermanentError(`the message is not an event envelope: ${envelope.error.message}`);
    if (envelope.data.type !== InstanceStoredV1.type) {
      this.logger.debug('skipping an event type the index does not use', { type: envelope.data.type });
      return 'skipped';
    }
    let event;
    try {
      event = parseEvent(InstanceStoredV1, raw);
    } catch (err) {
      throw new PermanentError(`instance.stored.v1 breaks its schema: ${(err as Error).message}`);
    }
    const d = event.data;
    return inSpan('index.instance-stored', { 'tessera.tenant': event.tenant, 'dicom.sop_instance_uid': d.sopInstanceUID }, () => this.index.index({
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
      metadata: d.metadata as Parameters<InstanceIndex['index']>[0]['metadata'],
    }), event.traceparent);
  }
}
