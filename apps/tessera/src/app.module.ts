import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { Role, TesseraConfig } from '@tessera/config';
import { DimseModule, PlatformModule, type PlatformNeeds } from '@tessera/platform';
import { AuthModule } from '@tessera/service-auth';
import { Hl7Module } from '@tessera/service-hl7';
import { IndexModule } from '@tessera/service-index';
import { IngestModule } from '@tessera/service-ingest';
import { RoutingModule } from '@tessera/service-routing';
import { StorageModule } from '@tessera/service-storage';
import type { Logger } from '@tessera/telemetry';
import { HealthController } from './health.controller';

export const ROLE_MODULES: Readonly<Record<Role, Type>> = {
  ingest: IngestModule,
  index: IndexModule,
  storage: StorageModule,
  routing: RoutingModule,
  hl7: Hl7Module,
  auth: AuthModule,
};

// What each role uses; a process opens only what its roles need.
const ROLE_NEEDS: Record<Role, PlatformNeeds> = {
  ingest: { database: true, blobs: true, bus: true },
  index: { database: true, blobs: true, bus: true },
  storage: { database: true, blobs: true, bus: false },
  routing: { database: false, blobs: false, bus: false },
  hl7: { database: true, blobs: false, bus: true },
  auth: { database: true, blobs: false, bus: true },
};

/** The infrastructure a set of roles needs. */
export function needsOf(roles: readonly Role[]): PlatformNeeds {
  return {
    database: roles.some((r) => ROLE_NEEDS[r].database),
    blobs: roles.some((r) => ROLE_NEEDS[r].blobs),
    bus: roles.some((r) => ROLE_NEEDS[r].bus),
  };
}

@Module({})
export class AppModule {
  static forRoot(config: TesseraConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, logger, needsOf(config.roles)), DimseModule, ...config.roles.map((r) => ROLE_MODULES[r])],
      controllers: [HealthController],
    };
  }
}
