import { forJson, resolveBulkDataUris, withPatientAttributes } from '@tessera/dicom';
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
 * carry them), and bulk data references made absolute against the instance's URL. Each instance comes
 * back as DICOM JSON text, in instance order; undefined when nothing matches.
 *
 * A 1000-instance series is some 5 MB of JSON: while the RIS has not spoken for the patient (the
 * usual case) the texts the database gives are used as they are, the relative BulkDataURIs made
 * absolute by rewriting the text, rather than parsing every instance into objects and serialising them
 * again.
 */
export class RetrieveMetadataUseCase {
  constructor(private readonly index: InstanceIndex) {}

  async execute(scope: MetadataScope): Promise<string[] | undefined> {
    const where = { study: scope.study, ...(scope.series ? { series: scope.series } : {}), ...(scope.instance ? { instance: scope.instance } : {}) };
    const patient = (await this.index.currentPatients(scope.tenant, [scope.study])).get(scope.study);
    const instanceUrl = (series: string, sop: string): string => `${scope.baseUrl}/studies/${scope.study}/series/${series}/instances/${sop}`;
    if (patient) {
      const rows = await this.index.metadata(scope.tenant, where);
      if (rows.length === 0) return undefined;
      return rows.map((stored) => {
        const metadata = withPatientAttributes(stored, patient);
        const series = metadata['0020000E']?.Value?.[0] as string;
        const sop = metadata['00080018']?.Value?.[0] as string;
        return JSON.stringify(forJson(resolveBulkDataUris(metadata, instanceUrl(series, sop))));
      });
    }
    const texts = await this.index.metadataJson(scope.tenant, where);
    if (texts.length === 0) return undefined;
    return texts.map((t) => absoluteBulkDataUris(t.json, `${instanceUrl(t.seriesInstanceUID, t.sopInstanceUID)}/`));
  }
}

// A relative BulkDataURI (one without a scheme, as resolveBulkDataUris() tells them apart) in JSON
// text. A string value that merely contains these characters has its quotes escaped, so only the
// members named BulkDataURI match.
const RELATIVE_BULK_DATA_URI = /"BulkDataURI": ?"(?![a-zA-Z][a-zA-Z0-9+.-]*:)/g;

function absoluteBulkDataUris(text: string, base: string): string {
  if (!text.includes('"BulkDataURI"')) return text;
  const prefix = JSON.stringify(base).slice(1, -1);
  return text.replace(RELATIVE_BULK_DATA_URI, (member) => `${member}${prefix}`);
}
