import type { BlobStore } from '@tessera/blob-store';
import type { ObjectCatalog } from '@tessera/catalog';
import { DeidError, DeidOption, deidentifyPart10, deidKey, HmacDateShift, hmacPseudonym, HmacUidMapper, type DeidOption as Option } from '@tessera/deid';
import { parseQidoQuery } from '@tessera/dicom';
import { patientOf } from '@tessera/platform';
import type { InstanceIndex } from '@tessera/index-store';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { StoreInstanceUseCase } from '../store-instance.use-case';
import { splitPart10 } from '../stow/part10-stream';

export interface ExportDeidentifiedCommand {
  readonly from: string;
  readonly to: string;
  readonly studyInstanceUID: string;
  /** The research project: UIDs, pseudonyms and date shifts are consistent within it, and differ between projects. */
  readonly project: string;
  readonly options: readonly Option[];
  readonly secret: string;
  readonly correlationId: string;
}

export type ExportDeidentifiedResult =
  | {
      readonly kind: 'exported';
      /** The de-identified study's Study Instance UID in the research tenant. */
      readonly studyInstanceUID: string;
      /** Whose study it was (for the audit trail's Export message; never in the research tenant). */
      readonly patient?: { readonly id: string; readonly issuer?: string; readonly name?: string };
      readonly stored: number;
      readonly failed: readonly { readonly sopInstanceUID: string; readonly reason: string }[];
    }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * De-identifies every instance of a study with the PS3.15 Annex E Basic Application Level
 * Confidentiality Profile and the options asked for, and stores the result in a research tenant
 * like any received instance (events, index). The originals stay as they are. The project's key
 * (DEID_SECRET with the project's name) makes the replacement UIDs, the patient pseudonym and the
 * date shift the same for every export of the project, so studies exported at different times
 * still fit together, and different in every other project.
 */
export class ExportDeidentifiedUseCase {
  constructor(
    private readonly catalog: ObjectCatalog,
    private readonly blobs: BlobStore,
    private readonly index: InstanceIndex,
    private readonly store: StoreInstanceUseCase,
  ) {}

  async execute(command: ExportDeidentifiedCommand): Promise<ExportDeidentifiedResult> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(command.project)) return { kind: 'invalid', message: 'project: 1-64 letters, digits, dots, dashes or underscores' };
    const objects = await this.catalog.list(command.from, { study: command.studyInstanceUID });
    if (objects.length === 0) return { kind: 'not-found' };
    const key = deidKey(command.secret, 'tessera-deid-project', command.project);
    const uidMapper = new HmacUidMapper(key);
    const dateShift = command.options.includes(DeidOption.RetainLongitudinalModifiedDates) ? new HmacDateShift(key) : undefined;
    const patient = await this.patientOfStudy(command.from, command.studyInstanceUID);
    const patientPseudonym = { patientID: hmacPseudonym(key, patient) };
    const failed: { sopInstanceUID: string; reason: string }[] = [];
    let stored = 0;
    let studyInstanceUID = '';
    for (const object of objects) {
      const bytes = await buffer(await this.blobs.get(object.objectKey));
      let output;
      try {
        output = await deidentifyPart10(bytes, { options: command.options, uidMapper, ...(dateShift ? { dateShift } : {}), patientPseudonym });
      } catch (err) {
        if (!(err instanceof DeidError)) throw err;
        failed.push({ sopInstanceUID: object.sopInstanceUID, reason: err.message });
        continue;
      }
      const { dataSet } = await splitPart10(Readable.from([output.bytes]));
      const result = await this.store.execute({
        tenant: command.to,
        transferSyntaxUID: output.transferSyntaxUID,
        dataSet,
        announced: { sopClassUID: output.sopClassUID, sopInstanceUID: output.sopInstanceUID, binding: true },
        receivedVia: { protocol: 'DEIDENTIFIED-EXPORT' },
        correlationId: command.correlationId,
      });
      if (result.outcome === 'failed') failed.push({ sopInstanceUID: object.sopInstanceUID, reason: result.message });
      else {
        stored += 1;
        studyInstanceUID = result.object.studyInstanceUID;
      }
    }
    return { kind: 'exported', studyInstanceUID, stored, failed, ...(patient ? { patient } : {}) };
  }

  private async patientOfStudy(tenant: string, study: string): Promise<{ id: string; issuer?: string; name?: string } | undefined> {
    const page = await this.index.searchStudies(tenant, parseQidoQuery('STUDY', [['StudyInstanceUID', study]]), 1);
    return page.items[0] ? patientOf(page.items[0].attributes) : undefined;
  }
}
