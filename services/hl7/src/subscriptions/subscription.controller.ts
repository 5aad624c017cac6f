import { Controller, Delete, Get, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { acceptsFhirJson, callerOf, fhirBase, FhirExceptionFilter, NO_RESOURCE, queryPairs, readResource, Requires, sendFhirError, sendResource, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CreateSubscriptionUseCase } from './create-subscription.use-case';
import { DeleteSubscriptionUseCase } from './delete-subscription.use-case';
import { ReadSubscriptionsUseCase } from './read-subscriptions.use-case';

/**
 * FHIR R4 Subscription (docs/fhir.md §5): rest-hook notifications when an ImagingStudy becomes
 * available. /fhir is the default tenant's, /tenants/{id}/fhir another's.
 */
@Requires('subscriptions:manage')
@UseFilters(FhirExceptionFilter)
@Controller('fhir/Subscription')
export class SubscriptionController {
  constructor(
    private readonly create: CreateSubscriptionUseCase,
    private readonly read: ReadSubscriptionsUseCase,
    private readonly remove: DeleteSubscriptionUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  /** FHIR R4 3.1.0.7 create: 201 with the Subscription as the server holds it (active) and its Location. */
  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    const body = await readResource(request, reply);
    if (body === NO_RESOURCE) return;
    const result = await this.create.execute(this.tenants.forHttp(request), body, callerOf(request)?.subject ?? '');
    if (!result.ok) return sendFhirError(reply, result.error);
    void reply.header('Location', `${fhirBase(request, this.tenants)}/Subscription/${result.value.id as string}`);
    await sendResource(reply, 201, result.value);
  }

  @Get()
  async search(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    const result = await this.read.search(this.tenants.forHttp(request), queryPairs(request), fhirBase(request, this.tenants));
    await (result.ok ? sendResource(reply, 200, result.value) : sendFhirError(reply, result.error));
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    const result = await this.read.read(this.tenants.forHttp(request), id);
    await (result.ok ? sendResource(reply, 200, result.value) : sendFhirError(reply, result.error));
  }

  /** FHIR R4 3.1.0.8 delete: 204; 404 for a subscription that is not there. */
  @Delete(':id')
  async delete(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.remove.execute(this.tenants.forHttp(request), id, callerOf(request)?.subject ?? '');
    if (!result.ok) return sendFhirError(reply, result.error);
    await reply.status(204).send();
  }
}
