import { FhirErrorCode, imagingStudyResource, refuse, type ImagingStudy, type LocalZone } from '@tessera/fhir';
import type { FhirIndex } from '@tessera/index-store';
import { fhirResult, type FhirResult } from './fhir-result';

/** Reads one ImagingStudy by its id, the Study Instance UID (FHIR R4 3.1.0.3 read). */
export class ReadImagingStudyUseCase {
  constructor(
    private readonly index: FhirIndex,
    private readonly zone: LocalZone,
  ) {}

  execute(tenant: string, id: string): Promise<FhirResult<ImagingStudy>> {
    return fhirResult(async () => {
      const study = await this.index.study(tenant, id);
      return study ? imagingStudyResource(study, this.zone) : refuse(FhirErrorCode.NotFound, `No ImagingStudy with id ${id}`);
    });
  }
}
