import type { DicomJsonDataset } from '@tessera/dicom';
import { PatientMergeUndoneV1 } from '@tessera/contracts';
import type { Hl7Store, PatientIdentity } from '@tessera/hl7-store';
import { outboxEntry } from '@tessera/outbox';
import { demographicsOf } from '../messages/patient-event-data';

/** Who undoes which merge. */
export interface UndoPatientMergeCommand {
  readonly tenant: string;
  readonly mergeId: string;
  /** The caller's token subject. */
  readonly caller: string;
  readonly correlationId: string;
}

/** What became of the request (STYLE 7: expected outcomes are values). */
export type UndoPatientMergeResult =
  | {
      readonly kind: 'undone';
      readonly prior: PatientIdentity;
      readonly survivor: PatientIdentity;
      readonly priorAttributes: DicomJsonDataset;
      readonly survivorAttributes: DicomJsonDataset;
      readonly restoredStudyInstanceUIDs: readonly string[];
      readonly restoredAccessionNumbers: readonly string[];
      readonly undoneAt: Date;
    }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'already-undone'; readonly undoneAt: Date }
  /** The merge cannot be undone as things are: its survivor was merged into another patient since. */
  | { readonly kind: 'conflict'; readonly reason: string };

const named = (p: PatientIdentity): string => `${p.patientID}${p.issuerOfPatientID ? ` (${p.issuerOfPatientID})` : ''}`;

/**
 * Undoes a patient merge (issue 5; the reverse of ADT^A40, as an administrator's correction of a
 * merge done in error): in one transaction the prior patient is restored with exactly the studies and
 * orders the merge moved, and patient.merge-undone.v1 is recorded in the outbox. Later merges must be
 * undone first, newest first.
 */
export class UndoPatientMergeUseCase {
  constructor(
    private readonly store: Hl7Store,
    private readonly notifyRelay: () => void,
    private readonly options: { readonly source: string; readonly now: () => Date },
  ) {}

  async execute(command: UndoPatientMergeCommand): Promise<UndoPatientMergeResult> {
    const { tenant, mergeId } = command;
    const result = await this.store.transaction(async (tx): Promise<UndoPatientMergeResult> => {
      const merge = await tx.findMerge(tenant, mergeId);
      if (!merge) return { kind: 'not-found' };
      if (merge.undoneAt) return { kind: 'already-undone', undoneAt: merge.undoneAt };
      const prior = await tx.findPatient(tenant, merge.prior);
      const mergedInto = prior?.mergedInto;
      if (!mergedInto || mergedInto.patientID !== merge.survivor.patientID || mergedInto.issuerOfPatientID !== merge.survivor.issuerOfPatientID) {
        return { kind: 'conflict', reason: `patient ${named(merge.survivor)} was merged into ${mergedInto ? named(mergedInto) : 'another patient'} since: undo that merge first` };
      }
      const now = this.options.now();
      const undone = await tx.undoMerge(tenant, mergeId, now);
      const survivor = await tx.findPatient(tenant, merge.survivor);
      await tx.appendEvents([
        outboxEntry(
          PatientMergeUndoneV1,
          { tenant, source: this.options.source, correlationId: command.correlationId },
          {
            mergeId,
            prior: merge.prior,
            survivor: merge.survivor,
            demographics: demographicsOf(undone.priorAttributes),
            restoredStudyInstanceUIDs: [...undone.restoredStudyInstanceUIDs],
            restoredAccessionNumbers: [...undone.restoredAccessionNumbers],
            undoneBy: command.caller,
          },
          now,
        ),
      ]);
      return {
        kind: 'undone',
        prior: merge.prior,
        survivor: merge.survivor,
        priorAttributes: undone.priorAttributes,
        survivorAttributes: survivor?.attributes ?? {},
        restoredStudyInstanceUIDs: undone.restoredStudyInstanceUIDs,
        restoredAccessionNumbers: undone.restoredAccessionNumbers,
        undoneAt: now,
      };
    });
    if (result.kind === 'undone') this.notifyRelay();
    return result;
  }
}
