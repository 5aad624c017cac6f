import { Controller, Get, Param, Post, Put, Req, Res, UseFilters, Inject } from '@nestjs/common';
import { acceptsFhirJson, callerOf, fhirBase, FhirExceptionFilter, NO_RESOURCE, readResource, Requires, sendFhirError, sendResource, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadServiceRequestUseCase } from './read-service-request.use-case';
import { ReceiveServiceRequestUseCase } from './receive-service-request.use-case';

/**
 * FHIR R4 ServiceRequest (docs/fhir.md §4): imaging orders created and updated with the effect of
 * HL7 order messages, and read back. /fhir is the default tenant's, /tenants/{id}/fhir another's.
 */
@Requires('worklist:read')
@UseFilters(FhirExceptionFilter)
@Controller('fhir/ServiceRequest')
export class ServiceRequestController {
  constructor(
    private readonly receive: ReceiveServiceRequestUseCase,
    private readonly read: ReadServiceRequestUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  /** FHIR R4 3.1.0.7 create: 201 with the order's ServiceRequest and its Location, once it is durable. */
  @Post()
  @Requires('worklist:write')
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.write(request, reply, 'create');
  }

  /** FHIR R4 3.1.0.4 update (and update as create, for an order placed with status active). */
  @Put(':id')
  @Requires('worklist:write')
  update(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.write(request, reply, 'update', id);
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    const result = await this.read.execute(this.tenants.forHttp(request), id);
    await (result.ok ? sendResource(reply, 200, result.value) : sendFhirError(reply, result.error));
  }

  private async write(request: FastifyRequest, reply: FastifyReply, interaction: 'create' | 'update', id?: string): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    const body = await readResource(request, reply);
    if (body === NO_RESOURCE) return;
    const tenant = this.tenants.forHttp(request);
    const result = await this.receive.execute({ tenant, interaction, ...(id !== undefined ? { id } : {}), body, caller: callerOf(request)?.subject ?? '', correlationId: String(request.id) });
    if (!result.ok) return sendFhirError(reply, result.error);
    const stored = await this.read.execute(tenant, result.id);
    if (!stored.ok) return sendFhirError(reply, stored.error);
    if (result.created) void reply.header('Location', `${fhirBase(request, this.tenants)}/ServiceRequest/${result.id}`);
    await sendResource(reply, result.created ? 201 : 200, stored.value);
  }
}
