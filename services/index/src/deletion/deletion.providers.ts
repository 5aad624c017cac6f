import type { Provider } from '@nestjs/common';
import type { AuditTrail } from '@tessera/audit';
import type { BlobStore } from '@tessera/blob-store';
import type { TesseraConfig } from '@tessera/config';
import type { Database } from '@tessera/database';
import { TypeormInstanceDeletion, type InstanceDeletionStore } from '@tessera/erasure';
import type { OutboxRelay } from '@tessera/outbox';
import { AUDIT_TRAIL, BLOB_STORE, CONFIG, DATABASE, LOGGER, OUTBOX_RELAY } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { hostname } from 'node:os';
import { AuditDeletionsUseCase } from './audit-deletions.use-case';
import { DeleteInstancesUseCase } from './delete-instances.use-case';
import { ForgetDeletedInstancesUseCase } from './forget-deleted-instances.use-case';
import { PurgeDeletionsUseCase } from './purge-deletions.use-case';
import { PurgeSweep } from './purge-sweep';

// The index role's deletion store, over the database the platform opened.
const INSTANCE_DELETION = Symbol('InstanceDeletionStore');

/** Deletion of studies, series and instances and the purge of their objects, in the index role (which has the database and the object store). */
export const DELETION_PROVIDERS: Provider[] = [
  { provide: INSTANCE_DELETION, useFactory: (db: Database) => new TypeormInstanceDeletion(db), inject: [DATABASE] },
  {
    provide: PurgeDeletionsUseCase,
    useFactory: (store: InstanceDeletionStore, blobs: BlobStore, relay: OutboxRelay, logger: Logger) =>
      new PurgeDeletionsUseCase(store, blobs, () => relay.notify(), logger.child({ component: 'deletion' }), { source: `index@${hostname()}` }),
    inject: [INSTANCE_DELETION, BLOB_STORE, OUTBOX_RELAY, LOGGER],
  },
  {
    provide: AuditDeletionsUseCase,
    useFactory: (store: InstanceDeletionStore, trail: AuditTrail, logger: Logger) => new AuditDeletionsUseCase(store, trail, logger.child({ component: 'deletion' })),
    inject: [INSTANCE_DELETION, AUDIT_TRAIL, LOGGER],
  },
  {
    provide: DeleteInstancesUseCase,
    useFactory: (store: InstanceDeletionStore, audits: AuditDeletionsUseCase, purge: PurgeDeletionsUseCase, relay: OutboxRelay, logger: Logger, config: TesseraConfig) =>
      new DeleteInstancesUseCase(store, audits, purge, () => relay.notify(), logger.child({ component: 'deletion' }), {
        source: `index@${hostname()}`,
        purgeAfterMs: config.index.deletionPurgeAfterMs,
      }),
    inject: [INSTANCE_DELETION, AuditDeletionsUseCase, PurgeDeletionsUseCase, OUTBOX_RELAY, LOGGER, CONFIG],
  },
  {
    provide: ForgetDeletedInstancesUseCase,
    useFactory: (store: InstanceDeletionStore, logger: Logger) => new ForgetDeletedInstancesUseCase(store, logger.child({ component: 'deletion' })),
    inject: [INSTANCE_DELETION, LOGGER],
  },
  PurgeSweep,
];
