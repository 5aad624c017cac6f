import { Module } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CONFIG, LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { randomBytes } from 'node:crypto';
import { MllpListener } from './mllp/mllp-listener';
import { MllpMessageHandler } from './mllp/mllp-message-handler';
import { ReceiveMessageUseCase } from './receive-message.use-case';

/**
 * The hl7 role: HL7 v2 over MLLP (and, with the RIS/EMR integration work still to come, FHIR R4 and
 * the messages it processes). Today its MLLP listener reads, checks and acknowledges every message,
 * and processes no message type yet.
 */
@Module({
  providers: [
    {
      provide: ReceiveMessageUseCase,
      useFactory: (config: TesseraConfig) => new ReceiveMessageUseCase({ defaultTenant: config.defaultTenant, receivingFacilities: config.mllp.receivingFacilities }),
      inject: [CONFIG],
    },
    {
      provide: MllpMessageHandler,
      useFactory: (receive: ReceiveMessageUseCase, config: TesseraConfig, logger: Logger) =>
        new MllpMessageHandler(receive, logger.child({ component: 'mllp' }), {
          now: () => new Date(),
          // MSH-10 is at most 20 characters (HL7 v2.5.1 2.15.9.10).
          nextControlId: () => randomBytes(10).toString('hex').toUpperCase(),
          maxMessageBytes: config.mllp.maxMessageBytes,
        }),
      inject: [ReceiveMessageUseCase, CONFIG, LOGGER],
    },
    MllpListener,
  ],
  exports: [MllpListener],
})
export class Hl7Module {}
