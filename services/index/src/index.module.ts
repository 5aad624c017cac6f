import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { AeRegistry } from '@tessera/ae-registry';
import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import type { Database } from '@tessera/database';
import { SYSTEM_ZONE } from '@tessera/fhir';
import { TypeormFhirIndex, type FhirIndex, type InstanceIndex, type StudyStability } from '@tessera/index-store';
import type { OutboxRelay } from '@tessera/outbox';
import type { TesseraConfig } from '@tessera/config';
import { hostname } from 'node:os';
import { AE_REGISTRY, BLOB_STORE, CONFIG, DATABASE, DimseAudit, DimseOutbound, DimseServiceRegistry, INSTANCE_INDEX, LOGGER, OBJECT_CATALOG, OUTBOX_RELAY, STUDY_STABILITY, WORKLIST_STORE } from '@tessera/platform';
import { StoreScu } from '@tessera/store-scu';
import type { Logger } from '@tessera/telemetry';
import { NEW_WORKLIST_IDS, type WorklistStore } from '@tessera/worklist';
import { FindScpService } from './dimse/find-scp.service';
import { FindUseCase } from './dimse/find.use-case';
import { DELETION_PROVIDERS } from './deletion/deletion.providers';
import { InstanceDeletionController } from './deletion/instance-deletion.controller';
import { ERASURE_PROVIDERS } from './erasure/erasure.providers';
import { CapabilitiesController } from './capabilities/capabilities.controller';
import { PatientErasureController } from './erasure/patient-erasure.controller';
import { FhirReadsController } from './fhir/fhir-reads.controller';
import { ReadImagingStudyUseCase } from './fhir/read-imaging-study.use-case';
import { ReadPatientUseCase } from './fhir/read-patient.use-case';
import { SearchImagingStudiesUseCase } from './fhir/search-imaging-studies.use-case';
import { SearchPatientsUseCase } from './fhir/search-patients.use-case';
import { GetScpService, MoveScpService } from './dimse/retrieve-scp.service';
import { RetrieveUseCase } from './dimse/retrieve.use-case';
import { IndexConsumer } from './index-consumer';
import { IndexInstanceUseCase } from './index-instance.use-case';
import { MetadataController } from './metadata/metadata.controller';
import { RetrieveMetadataUseCase } from './metadata/retrieve-metadata.use-case';
import { QidoController } from './qido/qido.controller';
import { SearchUseCase } from './qido/search.use-case';
import { AnnounceStableStudiesUseCase } from './stability/announce-stable-studies.use-case';
import { StableStudySweep } from './stability/stable-study-sweep';
import { FollowProcedureStepUseCase } from './worklist/follow-procedure-step.use-case';
import { MwlFindUseCase } from './worklist/mwl-find.use-case';
import { MwlScpService } from './worklist/mwl-scp.service';
import { ReadWorklistItemUseCase } from './worklist/read-worklist-item.use-case';
import { RemoveWorklistItemUseCase } from './worklist/remove-worklist-item.use-case';
import { SaveWorklistItemUseCase } from './worklist/save-worklist-item.use-case';
import { SearchWorklistItemsUseCase } from './worklist/search-worklist-items.use-case';
import { WorklistConsumer } from './worklist/worklist-consumer';
import { WorklistController } from './worklist/worklist.controller';

// The FHIR read side of the index: the role's own view of the database the platform opened.
const FHIR_INDEX = Symbol('FhirIndex');

/**
 * The index role: consumes instance events into the index; QIDO-RS, WADO-RS metadata, and the
 * query/retrieve SCPs (C-FIND, and C-MOVE/C-GET, which send from the object store); the modality
 * worklist (REST for its items, the Modality Worklist SCP, and the status of its items following MPPS);
 * FHIR R4 ImagingStudy, Patient and Endpoint reads and the CapabilityStatement;
 * the announcement of studies that became stable; and the erasure of patients, with legal holds.
 */
@Module({
  controllers: [QidoController, MetadataController, WorklistController, FhirReadsController, PatientErasureController, CapabilitiesController, InstanceDeletionController],
  providers: [
    { provide: IndexInstanceUseCase, useFactory: (index: InstanceIndex, logger: Logger) => new IndexInstanceUseCase(index, logger.child({ component: 'index' })), inject: [INSTANCE_INDEX, LOGGER] },
    { provide: SearchUseCase, useFactory: (index: InstanceIndex) => new SearchUseCase(index), inject: [INSTANCE_INDEX] },
    { provide: RetrieveMetadataUseCase, useFactory: (index: InstanceIndex) => new RetrieveMetadataUseCase(index), inject: [INSTANCE_INDEX] },
    { provide: FindUseCase, useFactory: (index: InstanceIndex) => new FindUseCase(index), inject: [INSTANCE_INDEX] },
    { provide: RetrieveUseCase, useFactory: (catalog: ObjectCatalog, index: InstanceIndex) => new RetrieveUseCase(catalog, index), inject: [OBJECT_CATALOG, INSTANCE_INDEX] },
    { provide: StoreScu, useFactory: (blobs: BlobStore) => new StoreScu(blobs), inject: [BLOB_STORE] },
    { provide: SaveWorklistItemUseCase, useFactory: (store: WorklistStore) => new SaveWorklistItemUseCase(store, NEW_WORKLIST_IDS), inject: [WORKLIST_STORE] },
    { provide: SearchWorklistItemsUseCase, useFactory: (store: WorklistStore) => new SearchWorklistItemsUseCase(store), inject: [WORKLIST_STORE] },
    { provide: ReadWorklistItemUseCase, useFactory: (store: WorklistStore) => new ReadWorklistItemUseCase(store), inject: [WORKLIST_STORE] },
    { provide: RemoveWorklistItemUseCase, useFactory: (store: WorklistStore) => new RemoveWorklistItemUseCase(store), inject: [WORKLIST_STORE] },
    { provide: MwlFindUseCase, useFactory: (store: WorklistStore) => new MwlFindUseCase(store), inject: [WORKLIST_STORE] },
    {
      provide: FollowProcedureStepUseCase,
      useFactory: (store: WorklistStore, logger: Logger) => new FollowProcedureStepUseCase(store, logger.child({ component: 'worklist' })),
      inject: [WORKLIST_STORE, LOGGER],
    },
    { provide: FHIR_INDEX, useFactory: (db: Database) => new TypeormFhirIndex(db), inject: [DATABASE] },
    { provide: SearchImagingStudiesUseCase, useFactory: (index: FhirIndex) => new SearchImagingStudiesUseCase(index, SYSTEM_ZONE), inject: [FHIR_INDEX] },
    { provide: ReadImagingStudyUseCase, useFactory: (index: FhirIndex) => new ReadImagingStudyUseCase(index, SYSTEM_ZONE), inject: [FHIR_INDEX] },
    { provide: SearchPatientsUseCase, useFactory: (index: FhirIndex) => new SearchPatientsUseCase(index), inject: [FHIR_INDEX] },
    { provide: ReadPatientUseCase, useFactory: (index: FhirIndex) => new ReadPatientUseCase(index), inject: [FHIR_INDEX] },
    {
      provide: AnnounceStableStudiesUseCase,
      useFactory: (stability: StudyStability, relay: OutboxRelay, config: TesseraConfig, logger: Logger) =>
        new AnnounceStableStudiesUseCase(stability, () => relay.notify(), logger.child({ component: 'study-stability' }), { source: `index@${hostname()}`, stableAfterMs: config.index.studyStableAfterMs }),
      inject: [STUDY_STABILITY, OUTBOX_RELAY, CONFIG, LOGGER],
    },
    IndexConsumer,
    WorklistConsumer,
    StableStudySweep,
    ...ERASURE_PROVIDERS,
    ...DELETION_PROVIDERS,
  ],
})
export class IndexModule implements OnModuleInit {
  constructor(
    private readonly registry: DimseServiceRegistry,
    private readonly audit: DimseAudit,
    private readonly find: FindUseCase,
    private readonly retrieve: RetrieveUseCase,
    private readonly sender: StoreScu,
    @Inject(AE_REGISTRY) private readonly aes: AeRegistry,
    private readonly outbound: DimseOutbound,
    private readonly worklist: MwlFindUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.registry.register(new FindScpService(this.find, this.audit, this.logger.child({ component: 'find-scp' })));
    this.registry.register(new MoveScpService(this.retrieve, this.aes, this.sender, this.outbound, this.audit, this.logger.child({ component: 'move-scp' })));
    this.registry.register(new GetScpService(this.retrieve, this.sender, this.audit, this.logger.child({ component: 'get-scp' })));
    this.registry.register(new MwlScpService(this.worklist, this.audit, this.logger.child({ component: 'mwl-scp' })));
  }
}
