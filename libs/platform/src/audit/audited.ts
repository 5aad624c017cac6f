import { SetMetadata } from '@nestjs/common';
import type { AuditPatient } from '@tessera/audit';
import type { IncomingMessage } from 'node:http';

export const AUDITED = 'tessera:audited';

/**
 * What a route does to patient data, for the audit trail (PS3.15 A.5.3): a query (QIDO-RS, a
 * worklist search), a retrieval (WADO-RS), a retrieval of part of the instances (frames, bulk data,
 * renderings, WADO-URI: a viewer makes hundreds of these for one look at a study, and they are recorded once per
 * caller and study and minute), a store (STOW-RS), a change of a procedure record (the worklist), or
 * of the network configuration (the AE registry).
 */
export type AuditedAccess = 'query' | 'worklist-query' | 'retrieve' | 'retrieve-part' | 'store' | 'procedure-record' | 'network-configuration';

/** Marks a route (or a controller's routes) as an access the audit trail records, once per request. */
export const Audited = (access: AuditedAccess): MethodDecorator & ClassDecorator => SetMetadata(AUDITED, access);

/** A study a request touched, as its handler knows it. */
export interface NotedStudy {
  readonly studyInstanceUID: string;
  readonly patient?: AuditPatient;
  readonly sopClassUID?: string;
  /** How many instances of the SOP class this note stands for (one when absent). */
  readonly count?: number;
}

const NOTES = Symbol('tessera.audit-notes');

/** Lets a handler name what it touched (a STOW-RS request names its studies only in its body). */
export function noteStudy(request: { readonly raw: IncomingMessage }, study: NotedStudy): void {
  const raw = request.raw as IncomingMessage & { [NOTES]?: NotedStudy[] };
  (raw[NOTES] ??= []).push(study);
}

export function notedStudies(request: { readonly raw: IncomingMessage }): readonly NotedStudy[] {
  return (request.raw as IncomingMessage & { [NOTES]?: NotedStudy[] })[NOTES] ?? [];
}

/** Studies grouped by patient: one message per patient, as PS3.15 A.5.3 has one Patient per message. */
export function byPatient(noted: readonly NotedStudy[]): { patient: AuditPatient; studies: { studyInstanceUID: string; sopClasses: { sopClassUID: string; numberOfInstances: number }[] }[] }[] {
  const groups = new Map<string, { patient: AuditPatient; studies: Map<string, Map<string, number>> }>();
  for (const note of noted) {
    if (!note.patient) continue;
    const key = `${note.patient.issuer ?? ''}\u0000${note.patient.id}`;
    const group = groups.get(key) ?? { patient: note.patient, studies: new Map() };
    groups.set(key, group);
    const classes = group.studies.get(note.studyInstanceUID) ?? new Map<string, number>();
    group.studies.set(note.studyInstanceUID, classes);
    if (note.sopClassUID) classes.set(note.sopClassUID, (classes.get(note.sopClassUID) ?? 0) + (note.count ?? 1));
  }
  return [...groups.values()].map(({ patient, studies }) => ({
    patient,
    studies: [...studies].map(([studyInstanceUID, classes]) => ({ studyInstanceUID, sopClasses: [...classes].map(([sopClassUID, numberOfInstances]) => ({ sopClassUID, numberOfInstances })) })),
  }));
}
