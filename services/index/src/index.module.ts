import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { InstanceIndex } from '@tessera/index-store';
import { DimseServiceRegistry, INSTANCE_INDEX, LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { FindScpService } from './dimse/find-scp.service';
import { FindUseCase } from './dimse/find.use-case';
import { IndexConsumer } from './index-consumer';
import { IndexInstanceUseCase } from './index-instance.use-case';
import { MetadataController } from './metadata/metadata.controller';
import { RetrieveMetadataUseCase } from './metadata/retrieve-metadata.use-case';
import { QidoController } from './qido/qido.controller';
import { SearchUseCase } from './qido/search.use-case';

/** The index role: consumes instance events into the index; QIDO-RS, WADO-RS metadata and the C-FIND SCP. */
@Module({
  controllers: [QidoController, MetadataController],
  providers: [
    { provide: IndexInstanceUseCase, useFactory: (index: InstanceIndex, logger: Logger) => new IndexInstanceUseCase(index, logger.child({ component: 'index' })), inject: [INSTANCE_INDEX, LOGGER] },
    { provide: SearchUseCase, useFactory: (index: InstanceIndex) => new SearchUseCase(index), inject: [INSTANCE_INDEX] },
    { provide: RetrieveMetadataUseCase, useFactory: (index: InstanceIndex) => new RetrieveMetadataUseCase(index), inject: [INSTANCE_INDEX] },
    { provide: FindUseCase, useFactory: (index: InstanceIndex) => new FindUseCase(index), inject: [INSTANCE_INDEX] },
    IndexConsumer,
  ],
})
export class IndexModule implements OnModuleInit {
  constructor(
    private readonly registry: DimseServiceRegistry,
    private readonly find: FindUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.registry.register(new FindScpService(this.find, this.logger.child({ component: 'find-scp' })));
  }
}
