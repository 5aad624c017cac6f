import type { AuditEvent, AuditParticipant, AuditPatient } from '@tessera/audit';
import type { Hl7Message, Hl7Segment } from '@tessera/hl7';

/** The sender of a message: its application and facility (MSH-3, MSH-4), from where it connected. */
function sender(message: Hl7Message, remoteAddress: string): AuditParticipant {
  const application = message.header.value(3) || 'unknown';
  const facility = message.header.value(4);
  return { userId: facility ? `${application}@${facility}` : application, isRequestor: true, networkAccessPoint: { id: remoteAddress.replace(/^::ffff:/, ''), type: 'ip-address' } };
}

/** A patient from a CX identifier (PID-3, MRG-1: ID^^^issuer) and an XPN name. */
function patient(segment: Hl7Segment | undefined, idField: number, nameField?: number): AuditPatient | undefined {
  const id = segment?.value(idField);
  if (!segment || !id) return undefined;
  const issuer = segment.value(idField, 4);
  const name = nameField === undefined ? '' : [1, 2, 3, 4, 5].map((c) => segment.value(nameField, c)).join('^').replace(/\^+$/, '');
  return { id, ...(issuer ? { issuer } : {}), ...(name ? { name } : {}) };
}

// ORC-1 order control (HL7 Table 0119): what became of the order.
const ORDER_ACTION: Readonly<Record<string, 'C' | 'U' | 'D'>> = { NW: 'C', XO: 'U', SC: 'U', CA: 'D', DC: 'D' };

/**
 * What an applied HL7 message did to patient data, as audit events (PS3.15 A.5.3 Patient Record,
 * Order Record): an admission or registration creates a patient record, an update changes it, a
 * merge changes the surviving record and deletes the merged one, an order is created, changed or
 * cancelled.
 */
export function hl7AuditEvents(message: Hl7Message, tenant: string, remoteAddress: string): AuditEvent[] {
  const { code, trigger } = message.messageType;
  const actors = [sender(message, remoteAddress)];
  const segment = (name: string): Hl7Segment | undefined => message.segments.find((s) => s.name === name);
  const subject = patient(segment('PID'), 3, 5);
  if (!subject) return [];
  if (code === 'ADT') {
    if (trigger === 'A40') {
      const prior = patient(segment('MRG'), 1);
      return [{ type: 'patient-record', action: 'U', tenant, actors, patient: subject }, ...(prior ? [{ type: 'patient-record' as const, action: 'D' as const, tenant, actors, patient: prior }] : [])];
    }
    return [{ type: 'patient-record', action: trigger === 'A01' || trigger === 'A04' ? 'C' : 'U', tenant, actors, patient: subject }];
  }
  const action = ORDER_ACTION[segment('ORC')?.value(1) ?? ''] ?? 'U';
  return [{ type: 'order-record', action, tenant, actors, patient: subject }];
}
