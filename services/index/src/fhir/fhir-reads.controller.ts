import { Controller, Get, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { capabilityStatement, DICOMWEB_ENDPOINT_ID, dicomwebEndpoint, type Resource } from '@tessera/fhir';
import { acceptsFhirJson, dicomwebBase, fhirBase, FhirExceptionFilter, Public, queryPairs, Requires, sendFhirError, sendOutcome, sendResource, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FhirResult } from './fhir-result';
import { ReadImagingStudyUseCase } from './read-imaging-study.use-case';
import { ReadPatientUseCase } from './read-patient.use-case';
import { SearchImagingStudiesUseCase } from './search-imaging-studies.use-case';
import { SearchPatientsUseCase } from './search-patients.use-case';

/**
 * The FHIR R4 reads of the index (docs/fhir.md): ImagingStudy and Patient (read, search), the
 * DICOMweb Endpoint, and the CapabilityStatement. /fhir is the default tenant's, /tenants/{id}/fhir another's.
 */
@Requires('studies:read')
@UseFilters(FhirExceptionFilter)
@Controller('fhir')
export class FhirReadsController {
  constructor(
    private readonly searchStudies: SearchImagingStudiesUseCase,
    private readonly readStudy: ReadImagingStudyUseCase,
    private readonly searchPatients: SearchPatientsUseCase,
    private readonly readPatient: ReadPatientUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  /** FHIR R4 3.1.0.13 capabilities: public, as a client needs it to learn how to authenticate. */
  @Public()
  @Get('metadata')
  async metadata(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    await sendResource(reply, 200, capabilityStatement() as Resource);
  }

  @Get('ImagingStudy')
  async imagingStudies(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    await answer(reply, await this.searchStudies.execute({ tenant: this.tenants.forHttp(request), params: queryPairs(request), base: fhirBase(request, this.tenants) }));
  }

  @Get('ImagingStudy/:id')
  async imagingStudy(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    await answer(reply, await this.readStudy.execute(this.tenants.forHttp(request), id));
  }

  @Get('Patient')
  async patients(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    await answer(reply, await this.searchPatients.execute({ tenant: this.tenants.forHttp(request), params: queryPairs(request), base: fhirBase(request, this.tenants) }));
  }

  @Get('Patient/:id')
  async patient(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    await answer(reply, await this.readPatient.execute(this.tenants.forHttp(request), id));
  }

  /** The one Endpoint: where ImagingStudy.endpoint says the instances are retrieved. */
  @Get('Endpoint/:id')
  async endpoint(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsFhirJson(request, reply))) return;
    if (id !== DICOMWEB_ENDPOINT_ID) return sendOutcome(reply, 404, 'not-found', `No Endpoint with id ${id}`);
    await sendResource(reply, 200, dicomwebEndpoint(dicomwebBase(request, this.tenants)));
  }
}

function answer(reply: FastifyReply, result: FhirResult<Resource>): Promise<void> {
  return result.ok ? sendResource(reply, 200, result.value) : sendFhirError(reply, result.error);
}
