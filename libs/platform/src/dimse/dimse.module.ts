import { Global, Module } from '@nestjs/common';
import { DimseListener } from './dimse-listener';
import { DimseServiceRegistry } from './dimse-service';

/** The shared DIMSE listener; roles inject the registry and register their services. */
@Global()
@Module({ providers: [DimseServiceRegistry, DimseListener], exports: [DimseServiceRegistry, DimseListener] })
export class DimseModule {}
