import { Module } from '@nestjs/common';

/**
 * The auth role: identities, tenants, AE titles, audit trail and de-identification. Its features
 * arrive with the security work; until then it runs as an empty role.
 */
@Module({})
export class AuthModule {}
