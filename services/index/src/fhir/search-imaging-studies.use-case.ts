import { IMAGING_STUDY_SEARCH, imagingStudyResource, readSearch, searchBundle, studyCriteria, type Bundle, type ImagingStudy, type LocalZone } from '@tessera/fhir';
import type { FhirIndex } from '@tessera/index-store';
import { fhirResult, type FhirResult } from './fhir-result';

/** An ImagingStudy search (FHIR R4 3.1.1, ImagingStudy search parameters) of a tenant. */
export interface SearchImagingStudiesCommand {
  readonly tenant: string;
  readonly params: readonly (readonly [string, string])[];
  /** The tenant's FHIR base URL, for the Bundle's links. */
  readonly base: string;
}

/** Searches the index's studies: a searchset Bundle of ImagingStudy, or a refusal of the search (400). */
export class SearchImagingStudiesUseCase {
  constructor(
    private readonly index: FhirIndex,
    private readonly zone: LocalZone,
  ) {}

  execute(command: SearchImagingStudiesCommand): Promise<FhirResult<Bundle<ImagingStudy>>> {
    return fhirResult(async () => {
      const request = readSearch(IMAGING_STUDY_SEARCH, command.params);
      const found = await this.index.searchStudies(command.tenant, studyCriteria(request), request.page);
      return searchBundle(command.base, 'ImagingStudy', request, found.items.map((s) => imagingStudyResource(s, this.zone)), found.total);
    });
  }
}
