import type { Provider } from '@nestjs/common';
import type { AuditTrail } from '@tessera/audit';
import type { BlobStore } from '@tessera/blob-store';
import type { Database } from '@tessera/database';
import { TypeormPatientErasure, type PatientErasureStore } from '@tessera/erasure';
import type { OutboxRelay } from '@tessera/outbox';
import { AUDIT_TRAIL, BLOB_STORE, DATABASE, LOGGER, OUTBOX_RELAY } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { hostname } from 'node:os';
import { ClearLegalHoldUseCase } from './clear-legal-hold.use-case';
import { ErasePatientUseCase } from './erase-patient.use-case';
import { ErasureSweep } from './erasure-sweep';
import { FinishErasureUseCase } from './finish-erasure.use-case';
import { ReadLegalHoldUseCase } from './read-legal-hold.use-case';
import { ResumeErasuresUseCase } from './resume-erasures.use-case';
import { SetLegalHoldUseCase } from './set-legal-hold.use-case';

// The index role's erasure store, over the database the platform opened.
const PATIENT_ERASURE = Symbol('PatientErasureStore');

/** Erasure of patients and their legal holds, in the index role (which has the database and the object store). */
export const ERASURE_PROVIDERS: Provider[] = [
  { provide: PATIENT_ERASURE, useFactory: (db: Database) => new TypeormPatientErasure(db), inject: [DATABASE] },
  {
    provide: FinishErasureUseCase,
    useFactory: (store: PatientErasureStore, blobs: BlobStore, trail: AuditTrail) => new FinishErasureUseCase(store, blobs, trail),
    inject: [PATIENT_ERASURE, BLOB_STORE, AUDIT_TRAIL],
  },
  {
    provide: ErasePatientUseCase,
    useFactory: (store: PatientErasureStore, finish: FinishErasureUseCase, relay: OutboxRelay, logger: Logger) =>
      new ErasePatientUseCase(store, finish, () => relay.notify(), logger.child({ component: 'erasure' }), { source: `index@${hostname()}` }),
    inject: [PATIENT_ERASURE, FinishErasureUseCase, OUTBOX_RELAY, LOGGER],
  },
  {
    provide: ResumeErasuresUseCase,
    useFactory: (store: PatientErasureStore, finish: FinishErasureUseCase, logger: Logger) => new ResumeErasuresUseCase(store, finish, logger.child({ component: 'erasure' })),
    inject: [PATIENT_ERASURE, FinishErasureUseCase, LOGGER],
  },
  { provide: SetLegalHoldUseCase, useFactory: (store: PatientErasureStore) => new SetLegalHoldUseCase(store), inject: [PATIENT_ERASURE] },
  { provide: ClearLegalHoldUseCase, useFactory: (store: PatientErasureStore) => new ClearLegalHoldUseCase(store), inject: [PATIENT_ERASURE] },
  { provide: ReadLegalHoldUseCase, useFactory: (store: PatientErasureStore) => new ReadLegalHoldUseCase(store), inject: [PATIENT_ERASURE] },
  ErasureSweep,
];
