import { Body, Controller, Delete, Get, Inject, Param, Put, Query, Res } from '@nestjs/common';
import { AE_OPERATIONS, type AeRegistry, type ApplicationEntity } from '@tessera/ae-registry';
import type { TesseraConfig } from '@tessera/config';
import { AE_REGISTRY, Audited, CONFIG, Requires, sendError } from '@tessera/platform';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

// PS3.8 9.3.2: 1-16 characters of the default repertoire, no backslash, not all spaces.
const AE_TITLE = /^(?=.*[^ ])[\x20-\x5b\x5d-\x7e]{1,16}$/;

const EntryBody = z.object({
  host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, 'a host name or an IP address'),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean().default(false),
  description: z.string().max(500).default(''),
  allowedOperations: z.array(z.enum(AE_OPERATIONS)).default(['ECHO', 'STORE', 'FIND', 'MOVE', 'GET']),
  moveDestinations: z.array(z.string().regex(AE_TITLE, 'an AE title')).default([]),
});

/** The AE-title registry of a tenant, and the associations refused (admin REST). */
@Requires('tenant:manage')
@Controller('admin')
export class ApplicationEntitiesController {
  constructor(
    @Inject(AE_REGISTRY) private readonly registry: AeRegistry,
    @Inject(CONFIG) private readonly config: TesseraConfig,
  ) {}

  @Get('tenants/:tenant/application-entities')
  async list(@Param('tenant') tenant: string, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.knownTenant(tenant, reply))) return;
    await reply.send(await this.registry.list(tenant));
  }

  @Get('tenants/:tenant/application-entities/:aeTitle')
  async get(@Param('tenant') tenant: string, @Param('aeTitle') aeTitle: string, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.knownTenant(tenant, reply))) return;
    const entry = await this.registry.find(tenant, aeTitle);
    if (!entry) return sendError(reply, 404, `No AE titled ${JSON.stringify(aeTitle)} in tenant ${tenant}`);
    await reply.send(entry);
  }

  @Put('tenants/:tenant/application-entities/:aeTitle')
  @Audited('network-configuration')
  async put(@Param('tenant') tenant: string, @Param('aeTitle') aeTitle: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.knownTenant(tenant, reply))) return;
    if (!AE_TITLE.test(aeTitle)) return sendError(reply, 400, `${JSON.stringify(aeTitle)} is not an AE title: 1-16 printable ASCII characters, no backslash (PS3.8 9.3.2)`);
    const parsed = EntryBody.safeParse(body);
    if (!parsed.success) return sendError(reply, 400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const entry: ApplicationEntity = { tenant, aeTitle, ...parsed.data };
    const outcome = await this.registry.put(entry);
    await reply.code(outcome === 'created' ? 201 : 200).send(entry);
  }

  @Delete('tenants/:tenant/application-entities/:aeTitle')
  @Audited('network-configuration')
  async remove(@Param('tenant') tenant: string, @Param('aeTitle') aeTitle: string, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.knownTenant(tenant, reply))) return;
    if (!(await this.registry.remove(tenant, aeTitle))) return sendError(reply, 404, `No AE titled ${JSON.stringify(aeTitle)} in tenant ${tenant}`);
    await reply.code(204).send();
  }

  /** Associations refused for a tenant's AE titles, newest first. */
  @Get('tenants/:tenant/association-rejections')
  async rejections(@Param('tenant') tenant: string, @Query('limit') limit: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.knownTenant(tenant, reply))) return;
    await reply.send(await this.registry.rejections(tenant, boundedLimit(limit)));
  }

  /** Associations refused because their called AE title belongs to no tenant. */
  @Get('association-rejections')
  async unaddressed(@Query('limit') limit: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    await reply.send(await this.registry.rejections(undefined, boundedLimit(limit)));
  }

  private async knownTenant(tenant: string, reply: FastifyReply): Promise<boolean> {
    if (this.config.tenants.includes(tenant)) return true;
    await sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    return false;
  }
}

function boundedLimit(text: string | undefined): number {
  const n = Number(text ?? 100);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 100;
}
