import { Global, Module } from '@nestjs/common';
import { DimseAudit } from '../audit/dimse-audit';
import { DimseListener } from './dimse-listener';
import { DimseOutbound } from './dimse-outbound';
import { DimseServiceRegistry } from './dimse-service';

/** The shared DIMSE listener and outbound associations; roles inject the registry and register their services. */
@Global()
@Module({ providers: [DimseServiceRegistry, DimseListener, DimseOutbound, DimseAudit], exports: [DimseServiceRegistry, DimseListener, DimseOutbound, DimseAudit] })
export class DimseModule {}
