import { PatientUpdatedV1 } from '@tessera/contracts';
import { applyPatientUpdate, problem, readIdentity, readPatient, requiredSegment, type Hl7PatientIdentity, type Hl7PatientUpdate } from '@tessera/hl7';
import { outboxEntry } from '@tessera/outbox';
import type { MessageHandler } from './message-handler';
import { demographicsOf } from './patient-event-data';

/** An A47: the patient's identifier now (PID-3) and the one it replaces (MRG-1). */
export interface IdentifierChange {
  readonly patient: Hl7PatientUpdate;
  readonly previous: Hl7PatientIdentity;
  readonly sequence: number;
}

const ISSUER = '00100021';
const named = (p: Hl7PatientIdentity): string => `${p.patientID}${p.issuerOfPatientID ? ` (${p.issuerOfPatientID})` : ''}`;

/**
 * ADT^A47, change patient identifier list (HL7 v2.5.1 3.3.47): the patient known by MRG-1 is known
 * by PID-3 from now on, with its studies. The new identifier must be free: joining two patients is a
 * merge (A40).
 */
export const ChangePatientIdentifierHandler: MessageHandler<IdentifierChange> = {
  read: (message) => {
    const patient = readPatient(message);
    const mrg = requiredSegment(message, 'MRG', patient.sequence);
    return { patient, previous: readIdentity(mrg.segment, mrg.sequence, 1), sequence: mrg.sequence };
  },
  apply: async (tx, change, context) => {
    const { patient, previous } = change;
    const current = await tx.findPatient(context.tenant, previous);
    if (!current) problem('unknown-key', { segment: 'MRG', sequence: change.sequence, field: 1 }, `MRG-1 names patient ${named(previous)}, whom this archive does not know`);
    if (current.mergedInto) problem('unknown-key', { segment: 'MRG', sequence: change.sequence, field: 1 }, `patient ${named(previous)} was merged into ${named(current.mergedInto)}`);
    if (patient.identity.patientID === previous.patientID && patient.identity.issuerOfPatientID === previous.issuerOfPatientID) return { effect: { patient: patient.identity, changed: false }, events: [] };
    if (await tx.findPatient(context.tenant, patient.identity)) {
      problem('duplicate-key', { segment: 'PID', sequence: patient.sequence, field: 3 }, `patient ${named(patient.identity)} exists already; two patients become one by a merge (A40), not by A47`);
    }
    // The old issuer goes with the old identifier.
    const attributes = applyPatientUpdate(applyPatientUpdate(current.attributes, { set: {}, remove: patient.identity.issuerOfPatientID ? [] : [ISSUER] }), patient);
    await tx.changePatientIdentity(context.tenant, previous, patient.identity, attributes);
    const event = outboxEntry(
      PatientUpdatedV1,
      context.origin,
      { patient: patient.identity, previousIdentity: previous, demographics: demographicsOf(attributes), created: false, studyInstanceUIDs: [...current.studyInstanceUIDs], message: context.cause },
      context.now,
    );
    return { effect: { patient: patient.identity, previous, changed: true }, events: [event] };
  },
};
