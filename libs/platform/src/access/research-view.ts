import { deidentifyDataset, deidentifyPart10, deidKey, DeidOption, hmacPseudonym, HmacUidMapper, type DeidentifyRequest } from '@tessera/deid';
import { stringValue, type DicomJsonDataset } from '@tessera/dicom';
import { SetMetadata } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

export const RESEARCH_VIEW = 'tessera:research-view';

/**
 * A `studies:read` route that can answer de-identified (issue 6: the researcher's on-the-fly view):
 * a researcher who belongs to an identified tenant reaches it, and it de-identifies what it returns
 * with `researchViewOf(request)`. Routes without it stay closed to researchers there.
 */
export const ResearchViewable = (): MethodDecorator & ClassDecorator => SetMetadata(RESEARCH_VIEW, true);

const VIEW = Symbol('tessera.research-view');

/**
 * The on-the-fly de-identified view of a tenant: the PS3.15 Annex E Basic Profile with the Retain
 * UIDs Option (so that the researcher can go from a search to a retrieval by the same UIDs), the
 * patient replaced by a pseudonym keyed per tenant (the same patient, the same pseudonym, in every
 * answer). Everything that leaves through the view passes here.
 */
export class ResearchView {
  private readonly key: Buffer;

  constructor(secret: string, tenant: string) {
    this.key = deidKey(secret, 'tessera-deid-view', tenant);
  }

  /** The pseudonym of a patient (Issuer of Patient ID, Patient ID) in this view. */
  pseudonym(patient: { readonly id?: string; readonly issuer?: string }): string {
    return hmacPseudonym(this.key, patient);
  }

  private request(patient: { readonly id?: string; readonly issuer?: string }): DeidentifyRequest {
    return { options: [DeidOption.RetainUIDs], uidMapper: new HmacUidMapper(this.key), patientPseudonym: { patientID: this.pseudonym(patient) } };
  }

  /** A data set (a search match, an instance's metadata), de-identified; its patient is its own. */
  attributes(dataset: DicomJsonDataset): Promise<DicomJsonDataset> {
    return deidentifyDataset(dataset, this.request({ id: stringValue(dataset, '00100020'), issuer: stringValue(dataset, '00100021') }));
  }

  /** A Part 10 instance of `patient`, de-identified (held in memory while it is). */
  async instance(part10: Buffer, patient: { readonly id?: string; readonly issuer?: string }): Promise<Buffer> {
    return (await deidentifyPart10(part10, this.request(patient))).bytes;
  }
}

/** The view a request is answered through, when its caller is a researcher in an identified tenant. */
export function researchViewOf(request: { readonly raw: IncomingMessage }): ResearchView | undefined {
  return (request.raw as IncomingMessage & { [VIEW]?: ResearchView })[VIEW];
}

export function answerThroughView(request: IncomingMessage, view: ResearchView): void {
  (request as IncomingMessage & { [VIEW]?: ResearchView })[VIEW] = view;
}

/** Match keys that name no one: what a search through the view may filter on. */
const VIEW_SEARCH_KEYS = new Set(['StudyInstanceUID', '0020000D', 'SeriesInstanceUID', '0020000E', 'SOPInstanceUID', '00080018', 'Modality', '00080060', 'ModalitiesInStudy', '00080061', 'SOPClassUID', '00080016', 'SOPClassesInStudy', '00080062']);
const NOT_MATCH_KEYS = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);

/** A query parameter a search through the view may not use (it could find someone), if any. */
export function identifyingSearchKey(params: readonly (readonly [string, string])[]): string | undefined {
  return params.map(([key]) => key).find((key) => !NOT_MATCH_KEYS.has(key) && !VIEW_SEARCH_KEYS.has(key) && !VIEW_SEARCH_KEYS.has(key.toUpperCase()));
}
