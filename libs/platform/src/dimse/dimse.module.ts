import { Global, Module } from '@nestjs/common';
import { DimseAudit } from '../audit/dimse-audit';
import { DimseListener } from './dimse-listener';
import { DimseOutbound } from './dimse-outbound';
import { DimseServiceRegistry } from './dimse-service';
import { DimseUserIdentity } from './dimse-user-identity';

/** The shared DIMSE listener and outbound associations; roles inject the registry and register their services. */
@Global()
@Module({ providers: [DimseServiceRegistry, DimseListener, DimseOutbound, DimseAudit, DimseUserIdentity], exports: [DimseServiceRegistry, DimseListener, DimseOutbound, DimseAudit] })
export class DimseModule {}
