import { Module } from '@nestjs/common';
import { ApplicationEntitiesController } from './application-entities/application-entities.controller';

/**
 * The auth role: the AE-title registry now; identities, tenants, audit trail and de-identification
 * arrive with the security work.
 */
@Module({ controllers: [ApplicationEntitiesController] })
export class AuthModule {}
