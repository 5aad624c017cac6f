import { Module } from '@nestjs/common';
import { ApplicationEntitiesController } from './application-entities/application-entities.controller';
import { AuditRecordsController } from './audit/audit-records.controller';
import { StudyGrantsController } from './grants/study-grants.controller';
import { EmbeddedIssuerController } from './identity/embedded-issuer.controller';

/**
 * The auth role: the AE-title registry, the audit trail's search and, in the all-in-one process, the
 * embedded OpenID provider.
 * Tokens are checked by the access guard of every role (libs/platform).
 */
@Module({ controllers: [ApplicationEntitiesController, EmbeddedIssuerController, AuditRecordsController, StudyGrantsController] })
export class AuthModule {}
