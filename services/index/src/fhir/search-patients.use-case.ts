import { PATIENT_SEARCH, patientCriteria, patientResource, readSearch, searchBundle, type Bundle, type Patient } from '@tessera/fhir';
import type { FhirIndex } from '@tessera/index-store';
import { fhirResult, type FhirResult } from './fhir-result';

/** A Patient search (FHIR R4 3.1.1, Patient search parameters) of a tenant. */
export interface SearchPatientsCommand {
  readonly tenant: string;
  readonly params: readonly (readonly [string, string])[];
  readonly base: string;
}

/** Searches the index's patients, merged ones too: a searchset Bundle of Patient, or a refusal (400). */
export class SearchPatientsUseCase {
  constructor(private readonly index: FhirIndex) {}

  execute(command: SearchPatientsCommand): Promise<FhirResult<Bundle<Patient>>> {
    return fhirResult(async () => {
      const request = readSearch(PATIENT_SEARCH, command.params);
      const found = await this.index.searchPatients(command.tenant, patientCriteria(request), request.page);
      return searchBundle(command.base, 'Patient', request, found.items.map(patientResource), found.total);
    });
  }
}
