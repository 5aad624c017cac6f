import type { AuditTrail } from '@tessera/audit';
import { Module } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import type { Database } from '@tessera/database';
import { SYSTEM_ZONE } from '@tessera/fhir';
import { TypeormFhirSubscriptionStore, type FhirSubscriptionStore, type Hl7Outbound, type Hl7Store } from '@tessera/hl7-store';
import { TypeormFhirIndex, type FhirIndex } from '@tessera/index-store';
import type { OutboxRelay } from '@tessera/outbox';
import { AUDIT_TRAIL, CONFIG, DATABASE, HL7_OUTBOUND, HL7_STORE, LOGGER, OUTBOX_RELAY, WORKLIST_STORE } from '@tessera/platform';
import { NEW_WORKLIST_IDS, type WorklistStore } from '@tessera/worklist';
import { hostname } from 'node:os';
import type { Logger } from '@tessera/telemetry';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ReadServiceRequestUseCase } from './fhir/read-service-request.use-case';
import { ReceiveServiceRequestUseCase } from './fhir/receive-service-request.use-case';
import { ServiceRequestController } from './fhir/service-request.controller';
import { MllpClient } from './mllp/mllp-client';
import { QueueResultUseCase } from './results/queue-result.use-case';
import { ResultsConsumer } from './results/results-consumer';
import { ResultsSender } from './results/results-sender';
import { SendResultsUseCase } from './results/send-results.use-case';
import { ListPatientMergesUseCase } from './merges/list-patient-merges.use-case';
import { PatientMergesController } from './merges/patient-merges.controller';
import { UndoPatientMergeUseCase } from './merges/undo-patient-merge.use-case';
import { MllpListener } from './mllp/mllp-listener';
import { MllpMessageHandler } from './mllp/mllp-message-handler';
import { ReceiveMessageUseCase } from './receive-message.use-case';
import { CreateSubscriptionUseCase } from './subscriptions/create-subscription.use-case';
import { DeleteSubscriptionUseCase } from './subscriptions/delete-subscription.use-case';
import { FetchNotificationPoster } from './subscriptions/notification-poster';
import { NotificationsConsumer } from './subscriptions/notifications-consumer';
import { NotificationsSender } from './subscriptions/notifications-sender';
import { QueueNotificationsUseCase } from './subscriptions/queue-notifications.use-case';
import { ReadSubscriptionsUseCase } from './subscriptions/read-subscriptions.use-case';
import { SendNotificationsUseCase } from './subscriptions/send-notifications.use-case';
import { SubscriptionController } from './subscriptions/subscription.controller';

// The index's patients, which orders over FHIR name by their logical id.
const FHIR_INDEX = Symbol('FhirIndex');
// FHIR rest-hook Subscriptions and their queued notifications: the hl7 role's alone.
const FHIR_SUBSCRIPTIONS = Symbol('FhirSubscriptionStore');

/**
 * The hl7 role: HL7 v2 over MLLP. Its listener reads, checks, applies and acknowledges each message:
 * ADT updates, merges and identifier changes of patients, and orders that feed the modality worklist.
 * FHIR R4 ServiceRequest (create, update, read): orders with the effect of order messages.
 * Results out: a stable study with an order becomes an order status message to the tenant's RIS.
 * FHIR R4 rest-hook Subscriptions: a stable study is POSTed to each subscription that selects it.
 * Patient merges listed and undone (admin REST).
 */
@Module({
  controllers: [ServiceRequestController, SubscriptionController, PatientMergesController],
  providers: [
    { provide: FHIR_INDEX, useFactory: (db: Database) => new TypeormFhirIndex(db), inject: [DATABASE] },
    { provide: FHIR_SUBSCRIPTIONS, useFactory: (db: Database) => new TypeormFhirSubscriptionStore(db), inject: [DATABASE] },
    {
      provide: ReceiveServiceRequestUseCase,
      useFactory: (store: Hl7Store, index: FhirIndex, relay: OutboxRelay) =>
        new ReceiveServiceRequestUseCase(store, index, () => relay.notify(), { source: `hl7@${hostname()}`, now: () => new Date(), ids: NEW_WORKLIST_IDS, zone: SYSTEM_ZONE }),
      inject: [HL7_STORE, FHIR_INDEX, OUTBOX_RELAY],
    },
    {
      provide: ReadServiceRequestUseCase,
      useFactory: (store: Hl7Store, worklist: WorklistStore, index: FhirIndex) => new ReadServiceRequestUseCase(store, worklist, index, SYSTEM_ZONE),
      inject: [HL7_STORE, WORKLIST_STORE, FHIR_INDEX],
    },
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
    {
      provide: SendResultsUseCase,
      useFactory: (outbound: Hl7Outbound, config: TesseraConfig, logger: Logger) => {
        const { destinations, maxAttempts, retryDelayMs, maxRetryDelayMs, ackTimeoutMs, tlsCa } = config.hl7Results;
        const client = new MllpClient({ timeoutMs: ackTimeoutMs, ...(tlsCa !== undefined ? { ca: readFileSync(tlsCa, 'utf8') } : {}) });
        return new SendResultsUseCase(outbound, client, logger.child({ component: 'hl7-results' }), { destinations, maxAttempts, retryDelayMs, maxRetryDelayMs, ackTimeoutMs });
      },
      inject: [HL7_OUTBOUND, CONFIG, LOGGER],
    },
    ResultsSender,
    {
      provide: QueueResultUseCase,
      useFactory: (outbound: Hl7Outbound, sender: ResultsSender, config: TesseraConfig, logger: Logger) =>
        new QueueResultUseCase(outbound, () => sender.wake(), logger.child({ component: 'hl7-results' }), {
          destinations: config.hl7Results.destinations,
          // The RIS addresses a tenant as its receiving facility: the results come from that facility.
          facilities: Object.fromEntries(Object.entries(config.mllp.receivingFacilities).map(([facility, tenant]) => [tenant, facility])),
          now: () => new Date(),
        }),
      inject: [HL7_OUTBOUND, ResultsSender, CONFIG, LOGGER],
    },
    ResultsConsumer,
    {
      provide: CreateSubscriptionUseCase,
      useFactory: (store: FhirSubscriptionStore, logger: Logger) => new CreateSubscriptionUseCase(store, logger.child({ component: 'fhir-subscriptions' }), { now: () => new Date(), newId: randomUUID }),
      inject: [FHIR_SUBSCRIPTIONS, LOGGER],
    },
    { provide: ReadSubscriptionsUseCase, useFactory: (store: FhirSubscriptionStore) => new ReadSubscriptionsUseCase(store), inject: [FHIR_SUBSCRIPTIONS] },
    {
      provide: DeleteSubscriptionUseCase,
      useFactory: (store: FhirSubscriptionStore, logger: Logger) => new DeleteSubscriptionUseCase(store, logger.child({ component: 'fhir-subscriptions' })),
      inject: [FHIR_SUBSCRIPTIONS, LOGGER],
    },
    {
      provide: SendNotificationsUseCase,
      useFactory: (store: FhirSubscriptionStore, config: TesseraConfig, logger: Logger) =>
        new SendNotificationsUseCase(store, new FetchNotificationPoster(config.fhirSubscriptions.timeoutMs), logger.child({ component: 'fhir-subscriptions' }), config.fhirSubscriptions),
      inject: [FHIR_SUBSCRIPTIONS, CONFIG, LOGGER],
    },
    NotificationsSender,
    {
      provide: QueueNotificationsUseCase,
      useFactory: (store: FhirSubscriptionStore, index: FhirIndex, sender: NotificationsSender, logger: Logger) =>
        new QueueNotificationsUseCase(store, index, () => sender.wake(), logger.child({ component: 'fhir-subscriptions' }), { zone: SYSTEM_ZONE, now: () => new Date() }),
      inject: [FHIR_SUBSCRIPTIONS, FHIR_INDEX, NotificationsSender, LOGGER],
    },
    NotificationsConsumer,
    { provide: ListPatientMergesUseCase, useFactory: (store: Hl7Store) => new ListPatientMergesUseCase(store), inject: [HL7_STORE] },
    {
      provide: UndoPatientMergeUseCase,
      useFactory: (store: Hl7Store, relay: OutboxRelay) => new UndoPatientMergeUseCase(store, () => relay.notify(), { source: `hl7@${hostname()}`, now: () => new Date() }),
      inject: [HL7_STORE, OUTBOX_RELAY],
    },
  ],
  exports: [MllpListener],
})
export class Hl7Module {}
