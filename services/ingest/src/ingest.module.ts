import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import type { OutboxRelay } from '@tessera/outbox';
import { BLOB_STORE, DimseServiceRegistry, LOGGER, OBJECT_CATALOG, OUTBOX_RELAY } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { hostname } from 'node:os';
import { StorageScpService } from './dimse/storage-scp.service';
import { StoreInstanceUseCase } from './store-instance.use-case';
import { StoreStudiesUseCase } from './stow/store-studies.use-case';
import { StowController } from './stow/stow.controller';

// Identifying attributes must appear in the first 64 MiB of a data set; real objects need a few KiB.
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
// Within MAX_EVENT_BYTES of the topics (libs/bus), with room for the envelope.
const MAX_METADATA_BYTES = 4 * 1024 * 1024;

/** The ingest role: the DIMSE Storage SCP and STOW-RS. */
@Module({
  controllers: [StowController],
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
    { provide: StoreStudiesUseCase, useFactory: (store: StoreInstanceUseCase) => new StoreStudiesUseCase(store), inject: [StoreInstanceUseCase] },
  ],
})
export class IngestModule implements OnModuleInit {
  constructor(
    private readonly registry: DimseServiceRegistry,
    private readonly store: StoreInstanceUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.registry.register(new StorageScpService(this.store, this.logger.child({ component: 'storage-scp' })));
  }
}
