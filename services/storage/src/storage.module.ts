import { Module } from '@nestjs/common';
import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import type { InstanceIndex } from '@tessera/index-store';
import { BLOB_STORE, INSTANCE_INDEX, OBJECT_CATALOG } from '@tessera/platform';
import { RetrieveBulkDataUseCase } from './retrieve/retrieve-bulkdata.use-case';
import { RetrieveFramesUseCase } from './retrieve/retrieve-frames.use-case';
import { RetrieveInstancesUseCase } from './retrieve/retrieve-instances.use-case';
import { StoredFrameSource } from './retrieve/stored-frame-source';
import { WadoController } from './retrieve/wado.controller';

/** The storage role: the object store behind WADO-RS retrieval (with the index's current demographics, read from the shared database). */
@Module({
  controllers: [WadoController],
  providers: [
    {
      provide: RetrieveInstancesUseCase,
      useFactory: (c: ObjectCatalog, b: BlobStore, i: InstanceIndex) => new RetrieveInstancesUseCase(c, b, i),
      inject: [OBJECT_CATALOG, BLOB_STORE, INSTANCE_INDEX],
    },
    { provide: RetrieveBulkDataUseCase, useFactory: (c: ObjectCatalog, b: BlobStore) => new RetrieveBulkDataUseCase(c, b), inject: [OBJECT_CATALOG, BLOB_STORE] },
    { provide: StoredFrameSource, useFactory: (c: ObjectCatalog, b: BlobStore) => new StoredFrameSource(c, b), inject: [OBJECT_CATALOG, BLOB_STORE] },
    { provide: RetrieveFramesUseCase, useFactory: (f: StoredFrameSource) => new RetrieveFramesUseCase(f), inject: [StoredFrameSource] },
  ],
  exports: [StoredFrameSource],
})
export class StorageModule {}
