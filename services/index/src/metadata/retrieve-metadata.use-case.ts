import { forJson, resolveBulkDataUris, withPatientAttributes, type DicomJsonDataset } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';

/** Which instances' metadata to return. */
export interface MetadataScope {
  readonly tenant: string;
  readonly study: string;
  readonly series?: string;
  readonly instance?: string;
  readonly baseUrl: string;
}

/**
 * WADO-RS metadata (PS3.18 10.4.1.1.2) from the index: the stored DICOM JSON of each instance, with
 * its patient's current attributes in place of the ones it was stored with (as the objects retrieved
 * carry them), and bulk data references made absolute against the instance's URL. Undefined when
 * nothing matches.
 */
export class RetrieveMetadataUseCase {
  constructor(private readonly index: InstanceIndex) {}

  async execute(scope: MetadataScope): Promise<DicomJsonDataset[] | undefined> {
    const rows = await this.index.metadata(scope.tenant, {
      study: scope.study,
      ...(scope.series ? { series: scope.series } : {}),
      ...(scope.instance ? { instance: scope.instance } : {}),
    });
    if (rows.length === 0) return undefined;
    const patient = (await this.index.currentPatients(scope.tenant, [scope.study])).get(scope.study);
    return rows.map((stored) => {
      const metadata = patient ? withPatientAttributes(stored, patient) : stored;
      const series = metadata['0020000E']?.Value?.[0] as string;
      const sop = metadata['00080018']?.Value?.[0] as string;
      return forJson(resolveBulkDataUris(metadata, `${scope.baseUrl}/studies/${scope.study}/series/${series}/instances/${sop}`));
    });
  }
}
