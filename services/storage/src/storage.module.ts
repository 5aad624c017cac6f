import { Module } from '@nestjs/common';
import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import { BLOB_STORE, OBJECT_CATALOG } from '@tessera/platform';
import { RetrieveBulkDataUseCase } from './retrieve/retrieve-bulkdata.use-case';
import { RetrieveInstancesUseCase } from './retrieve/retrieve-instances.use-case';
import { WadoController } from './retrieve/wado.controller';

/** The storage role: the object store behind WADO-RS retrieval. */
@Module({
  controllers: [WadoController],
  providers: [
    { provide: RetrieveInstancesUseCase, useFactory: (c: ObjectCatalog, b: BlobStore) => new RetrieveInstancesUseCase(c, b), inject: [OBJECT_CATALOG, BLOB_STORE] },
    { provide: RetrieveBulkDataUseCase, useFactory: (c: ObjectCatalog, b: BlobStore) => new RetrieveBulkDataUseCase(c, b), inject: [OBJECT_CATALOG, BLOB_STORE] },
  ],
})
export class StorageModule {}
