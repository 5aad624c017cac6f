import { PatientMergedV1 } from '@tessera/contracts';
import { applyPatientUpdate, problem, readIdentity, readPatient, requiredSegment, segmentsOf, type Hl7PatientIdentity, type Hl7PatientUpdate } from '@tessera/hl7';
import type { PatientIdentity } from '@tessera/hl7-store';
import { outboxEntry, type OutboxEntry } from '@tessera/outbox';
import type { MessageHandler } from './message-handler';
import { demographicsOf } from './patient-event-data';

/** One merge of an A40: the surviving patient (PID) and the prior one (MRG-1). */
export interface MergeRequest {
  readonly survivor: Hl7PatientUpdate;
  readonly prior: Hl7PatientIdentity;
  /** Sequence of the MRG segment. */
  readonly sequence: number;
}

const same = (a: PatientIdentity, b: PatientIdentity): boolean => a.patientID === b.patientID && a.issuerOfPatientID === b.issuerOfPatientID;
const named = (p: PatientIdentity): string => `${p.patientID}${p.issuerOfPatientID ? ` (${p.issuerOfPatientID})` : ''}`;

/** Each PID of the message with the MRG that follows it (ADT_A39: PID, PD1, MRG, PV1, repeated). */
export function readMerges(message: Parameters<MessageHandler<unknown>['read']>[0]): MergeRequest[] {
  const pids = segmentsOf(message, 'PID');
  if (pids.length === 0) requiredSegment(message, 'PID');
  return pids.map((pid) => {
    const mrg = requiredSegment(message, 'MRG', pid.sequence);
    const prior = readIdentity(mrg.segment, mrg.sequence, 1);
    const survivor = readPatient(message, pid.sequence - 1);
    if (same(prior, survivor.identity)) problem('unknown-key', { segment: 'MRG', sequence: mrg.sequence, field: 1 }, `MRG-1 names the surviving patient ${named(prior)} itself`);
    return { survivor, prior, sequence: mrg.sequence };
  });
}

/**
 * ADT^A40, merge patient - patient identifier list (HL7 v2.5.1 3.3.40): the prior patient (MRG-1)
 * becomes part of the surviving one (PID-3), which takes the PID's demographics. The prior
 * patient's studies move to the survivor; the prior patient answers no query any more. A merge that
 * was done already (the prior patient is merged into this survivor) changes nothing.
 */
export const MergePatientsHandler: MessageHandler<MergeRequest[]> = {
  read: readMerges,
  apply: async (tx, merges, context) => {
    const events: OutboxEntry[] = [];
    const done: Record<string, unknown>[] = [];
    for (const merge of merges) {
      const at = { segment: 'MRG', sequence: merge.sequence, field: 1 };
      const prior = await tx.findPatient(context.tenant, merge.prior);
      if (!prior) problem('unknown-key', at, `MRG-1 names patient ${named(merge.prior)}, whom this archive does not know`);
      const survivorIdentity = merge.survivor.identity;
      if (prior.mergedInto && same(prior.mergedInto, survivorIdentity)) {
        done.push({ prior: merge.prior, survivor: survivorIdentity, alreadyMerged: true });
        continue;
      }
      if (prior.mergedInto) problem('unknown-key', at, `patient ${named(merge.prior)} was merged into ${named(prior.mergedInto)} before`);
      const survivor = await tx.findPatient(context.tenant, survivorIdentity);
      if (survivor?.mergedInto) problem('unknown-key', { segment: 'PID', sequence: merge.survivor.sequence, field: 3 }, `the surviving patient ${named(survivorIdentity)} was itself merged into ${named(survivor.mergedInto)}`);
      const attributes = applyPatientUpdate(survivor?.attributes ?? {}, merge.survivor);
      await tx.savePatient(context.tenant, survivorIdentity, attributes);
      const result = await tx.mergePatient(context.tenant, merge.prior, survivorIdentity);
      done.push({ prior: merge.prior, survivor: survivorIdentity, mergeId: result.mergeId, movedStudies: result.movedStudyInstanceUIDs.length });
      events.push(
        outboxEntry(
          PatientMergedV1,
          context.origin,
          { survivor: survivorIdentity, prior: merge.prior, demographics: demographicsOf(attributes), mergeId: result.mergeId, movedStudyInstanceUIDs: [...result.movedStudyInstanceUIDs], message: context.cause },
          context.now,
        ),
      );
    }
    return { effect: { merges: done }, events };
  },
};
