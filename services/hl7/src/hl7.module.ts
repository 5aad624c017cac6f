import type { AuditTrail } from '@tessera/audit';
import { Module } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import type { Hl7Store } from '@tessera/hl7-store';
import type { OutboxRelay } from '@tessera/outbox';
import { AUDIT_TRAIL, CONFIG, HL7_STORE, LOGGER, OUTBOX_RELAY } from '@tessera/platform';
import { NEW_WORKLIST_IDS } from '@tessera/worklist';
import { hostname } from 'node:os';
import type { Logger } from '@tessera/telemetry';
import { randomBytes } from 'node:crypto';
import { MllpListener } from './mllp/mllp-listener';
import { MllpMessageHandler } from './mllp/mllp-message-handler';
import { ReceiveMessageUseCase } from './receive-message.use-case';

/**
 * The hl7 role: HL7 v2 over MLLP. Its listener reads, checks, applies and acknowledges each message:
 * ADT updates, merges and identifier changes of patients, and orders that feed the modality worklist.
 */
@Module({
  providers: [
    {
      provide: ReceiveMessageUseCase,
      useFactory: (config: TesseraConfig, store: Hl7Store, relay: OutboxRelay) =>
        new ReceiveMessageUseCase(store, () => relay.notify(), {
          defaultTenant: config.defaultTenant,
          receivingFacilities: config.mllp.receivingFacilities,
          source: `hl7@${hostname()}`,
          now: () => new Date(),
          ids: NEW_WORKLIST_IDS,
        }),
      inject: [CONFIG, HL7_STORE, OUTBOX_RELAY],
    },
    {
      provide: MllpMessageHandler,
      useFactory: (receive: ReceiveMessageUseCase, config: TesseraConfig, logger: Logger, audit: AuditTrail) =>
        new MllpMessageHandler(receive, logger.child({ component: 'mllp' }), {
          now: () => new Date(),
          // MSH-10 is at most 20 characters (HL7 v2.5.1 2.15.9.10).
          nextControlId: () => randomBytes(10).toString('hex').toUpperCase(),
          maxMessageBytes: config.mllp.maxMessageBytes,
          audit,
        }),
      inject: [ReceiveMessageUseCase, CONFIG, LOGGER, AUDIT_TRAIL],
    },
    MllpListener,
  ],
  exports: [MllpListener],
})
export class Hl7Module {}
