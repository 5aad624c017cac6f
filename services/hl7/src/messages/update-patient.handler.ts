import { PatientUpdatedV1 } from '@tessera/contracts';
import { applyPatientUpdate, problem, readPatient, type Hl7PatientUpdate } from '@tessera/hl7';
import { outboxEntry } from '@tessera/outbox';
import { isDeepStrictEqual } from 'node:util';
import type { MessageHandler } from './message-handler';
import { demographicsOf } from './patient-event-data';

/**
 * ADT^A01 (admit), A04 (register), A08 (update patient information), A31 (update person
 * information): the PID's demographics become the patient's (HL7 v2.5.1 3.3.1, 3.3.4, 3.3.8, 3.3.31),
 * creating the patient when the index has none. Fields the PID leaves empty keep their values.
 */
export const UpdatePatientHandler: MessageHandler<Hl7PatientUpdate> = {
  read: (message) => readPatient(message),
  apply: async (tx, update, context) => {
    const current = await tx.findPatient(context.tenant, update.identity);
    if (current?.mergedInto) {
      const survivor = current.mergedInto;
      problem('unknown-key', { segment: 'PID', sequence: update.sequence, field: 3 }, `patient ${update.identity.patientID} was merged into ${survivor.patientID}${survivor.issuerOfPatientID ? ` (${survivor.issuerOfPatientID})` : ''}; update that patient instead`);
    }
    const attributes = applyPatientUpdate(current?.attributes ?? {}, update);
    const effect = { patient: update.identity, created: current === undefined };
    if (current && isDeepStrictEqual(attributes, current.attributes)) return { effect: { ...effect, changed: false }, events: [] };
    await tx.savePatient(context.tenant, update.identity, attributes);
    const event = outboxEntry(
      PatientUpdatedV1,
      context.origin,
      { patient: update.identity, demographics: demographicsOf(attributes), created: current === undefined, studyInstanceUIDs: [...(current?.studyInstanceUIDs ?? [])], message: context.cause },
      context.now,
    );
    return { effect: { ...effect, changed: true }, events: [event] };
  },
};
