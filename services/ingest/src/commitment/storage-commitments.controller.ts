import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CONFIG, Requires, sendError } from '@tessera/platform';
import type { FastifyReply } from 'fastify';
import { StorageCommitmentUseCase } from './storage-commitment.use-case';

/** Where a storage commitment stands: what was verified, whether the report went out, why not (admin REST). */
@Requires('tenant:manage')
@Controller('admin')
export class StorageCommitmentsController {
  constructor(
    private readonly commitments: StorageCommitmentUseCase,
    @Inject(CONFIG) private readonly config: TesseraConfig,
  ) {}

  @Get('tenants/:tenant/storage-commitments/:transactionUID')
  async get(@Param('tenant') tenant: string, @Param('transactionUID') transactionUID: string, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    const record = await this.commitments.find(tenant, transactionUID);
    if (!record) return sendError(reply, 404, `No storage commitment with Transaction UID ${JSON.stringify(transactionUID)} in tenant ${tenant}`);
    await reply.send(record);
  }
}
