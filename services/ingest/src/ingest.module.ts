import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { AeRegistry } from '@tessera/ae-registry';
import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import type { CommitmentStore } from '@tessera/commitment';
import type { InstanceIndex } from '@tessera/index-store';
import type { ProcedureStepStore } from '@tessera/mpps';
import type { OutboxRelay } from '@tessera/outbox';
import { AE_REGISTRY, BLOB_STORE, COMMITMENT_STORE, DimseAudit, INSTANCE_INDEX, DimseOutbound, DimseServiceRegistry, LOGGER, OBJECT_CATALOG, OUTBOX_RELAY, PROCEDURE_STEPS } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { hostname, tmpdir } from 'node:os';
import { CommitmentSweep } from './commitment/commitment-sweep';
import { StorageCommitmentScpService } from './commitment/storage-commitment-scp.service';
import { StorageCommitmentUseCase } from './commitment/storage-commitment.use-case';
import { StorageCommitmentsController } from './commitment/storage-commitments.controller';
import { StorageScpService } from './dimse/storage-scp.service';
import { CreateProcedureStepUseCase, type ProcedureStepOptions } from './mpps/create-procedure-step.use-case';
import { MppsScpService } from './mpps/mpps-scp.service';
import { SetProcedureStepUseCase } from './mpps/set-procedure-step.use-case';
import { ExportDeidentifiedUseCase } from './research/export-deidentified.use-case';
import { ResearchExportsController } from './research/research-exports.controller';
import { StoreInstanceUseCase } from './store-instance.use-case';
import { StoreStudiesUseCase } from './stow/store-studies.use-case';
import { StowController } from './stow/stow.controller';

// Identifying attributes must appear in the first 64 MiB of a data set; real objects need a few KiB.
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
// Within MAX_EVENT_BYTES of the topics (libs/bus), with room for the envelope.
const MAX_METADATA_BYTES = 4 * 1024 * 1024;
// The metadata of a metadata and bulk data request is parsed whole; several instances' attributes fit well within this.
const MAX_METADATA_PART_BYTES = 64 * 1024 * 1024;
// A storage commitment stays with the process working on it this long before another takes it over.
const COMMITMENT_LEASE_MS = 5 * 60_000;
// Report deliveries are retried after these waits (about a day in all), then abandoned.
const COMMITMENT_RETRIES_MS = [10_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000, ...Array<number>(24).fill(60 * 60_000)];

// The same bound for a procedure step's attributes, which its row holds and its events draw on.
const PROCEDURE_STEP_OPTIONS: ProcedureStepOptions = { source: `ingest@${hostname()}`, maxAttributesBytes: 4 * 1024 * 1024 };

/** The ingest role: the DIMSE Storage SCP, storage commitment, the MPPS SCP, and STOW-RS. */
@Module({
  controllers: [StowController, StorageCommitmentsController, ResearchExportsController],
  providers: [
    {
      provide: StoreInstanceUseCase,
      useFactory: (blobs: BlobStore, catalog: ObjectCatalog, relay: OutboxRelay, logger: Logger) =>
        new StoreInstanceUseCase(blobs, catalog, () => relay.notify(), logger.child({ component: 'ingest' }), {
          maxHeaderBytes: MAX_HEADER_BYTES,
          maxMetadataBytes: MAX_METADATA_BYTES,
          source: `ingest@${hostname()}`,
        }),
      inject: [BLOB_STORE, OBJECT_CATALOG, OUTBOX_RELAY, LOGGER],
    },
    {
      provide: StoreStudiesUseCase,
      // Bulk data parts wait for their metadata in the temporary directory (TMPDIR), never in memory.
      useFactory: (store: StoreInstanceUseCase) => new StoreStudiesUseCase(store, { spoolDirectory: tmpdir(), maxMetadataPartBytes: MAX_METADATA_PART_BYTES }),
      inject: [StoreInstanceUseCase],
    },
    {
      provide: ExportDeidentifiedUseCase,
      useFactory: (catalog: ObjectCatalog, blobs: BlobStore, index: InstanceIndex, store: StoreInstanceUseCase) => new ExportDeidentifiedUseCase(catalog, blobs, index, store),
      inject: [OBJECT_CATALOG, BLOB_STORE, INSTANCE_INDEX, StoreInstanceUseCase],
    },
    {
      provide: StorageCommitmentUseCase,
      useFactory: (store: CommitmentStore, catalog: ObjectCatalog, blobs: BlobStore, aes: AeRegistry, outbound: DimseOutbound, logger: Logger) =>
        new StorageCommitmentUseCase(store, catalog, blobs, aes, outbound, logger.child({ component: 'storage-commitment' }), { leaseMs: COMMITMENT_LEASE_MS, retryDelaysMs: COMMITMENT_RETRIES_MS }),
      inject: [COMMITMENT_STORE, OBJECT_CATALOG, BLOB_STORE, AE_REGISTRY, DimseOutbound, LOGGER],
    },
    {
      provide: CreateProcedureStepUseCase,
      useFactory: (steps: ProcedureStepStore, relay: OutboxRelay) => new CreateProcedureStepUseCase(steps, () => relay.notify(), PROCEDURE_STEP_OPTIONS),
      inject: [PROCEDURE_STEPS, OUTBOX_RELAY],
    },
    {
      provide: SetProcedureStepUseCase,
      useFactory: (steps: ProcedureStepStore, relay: OutboxRelay) => new SetProcedureStepUseCase(steps, () => relay.notify(), PROCEDURE_STEP_OPTIONS),
      inject: [PROCEDURE_STEPS, OUTBOX_RELAY],
    },
    CommitmentSweep,
  ],
})
export class IngestModule implements OnModuleInit {
  constructor(
    private readonly registry: DimseServiceRegistry,
    private readonly audit: DimseAudit,
    private readonly store: StoreInstanceUseCase,
    private readonly commitments: StorageCommitmentUseCase,
    private readonly createStep: CreateProcedureStepUseCase,
    private readonly setStep: SetProcedureStepUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.registry.register(new StorageScpService(this.store, this.audit, this.logger.child({ component: 'storage-scp' })));
    this.registry.register(new StorageCommitmentScpService(this.commitments, this.logger.child({ component: 'storage-commitment' })));
    this.registry.register(new MppsScpService(this.createStep, this.setStep, this.logger.child({ component: 'mpps-scp' })));
  }
}
