import { FhirErrorCode, patientResource, refuse, type Patient } from '@tessera/fhir';
import type { FhirIndex } from '@tessera/index-store';
import { fhirResult, type FhirResult } from './fhir-result';

/** Reads one Patient by its logical id; a merged patient too, inactive and linked to its survivor. */
export class ReadPatientUseCase {
  constructor(private readonly index: FhirIndex) {}

  execute(tenant: string, id: string): Promise<FhirResult<Patient>> {
    return fhirResult(async () => {
      const patient = await this.index.patient(tenant, id);
      return patient ? patientResource(patient) : refuse(FhirErrorCode.NotFound, `No Patient with id ${id}`);
    });
  }
}
