import { Global, Module } from '@nestjs/common';
import { DimseListener } from './dimse-listener';
import { DimseOutbound } from './dimse-outbound';
import { DimseServiceRegistry } from './dimse-service';

/** The shared DIMSE listener and outbound associations; roles inject the registry and register their services. */
@Global()
@Module({ providers: [DimseServiceRegistry, DimseListener, DimseOutbound], exports: [DimseServiceRegistry, DimseListener, DimseOutbound] })
export class DimseModule {}
