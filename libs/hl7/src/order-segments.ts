import { problem } from './content-problem';
import type { Hl7Message, Hl7Segment } from './hl7-message';
import { readPatient, requiredSegment, type Hl7PatientUpdate } from './patient-segments';

/** ORC-1 order control codes Tessera acts on (HL7 Table 0119). */
export type OrderControl = 'NW' | 'XO' | 'CA' | 'DC' | 'SC';
const CONTROLS: readonly OrderControl[] = ['NW', 'XO', 'CA', 'DC', 'SC'];

/** A coded value (CE/CWE): code, text and coding system. */
export interface Hl7Code {
  readonly code: string;
  readonly text: string;
  readonly codingSystem: string;
}

/**
 * One order of an ORM^O01 or OMI^O23 message (its ORC and what follows it up to the next ORC), with
 * what the Modality Worklist needs of it (IHE RAD TF-2 4.4 and 4.5, Tables B-1 and B-2 of its
 * appendix B): the accession number, requested procedure and scheduled procedure step.
 */
export interface Hl7OrderRequest {
  readonly control: OrderControl;
  /** ORC-5 (HL7 Table 0038), for SC. */
  readonly orderStatus: string;
  /** ORC-2 (or OBR-2), ORC-3 (or OBR-3): entity identifiers. */
  readonly placerOrderNumber: string;
  readonly fillerOrderNumber: string;
  /** OMI: IPC-1; ORM: OBR-18. */
  readonly accessionNumber: string;
  /** OMI: IPC-2; ORM: OBR-19; else the accession number. */
  readonly requestedProcedureID: string;
  /** OMI: IPC-3; ORM: ZDS-1 (IHE); absent: Tessera gives the study one. */
  readonly studyInstanceUID: string;
  /** OMI: IPC-4; ORM: OBR-20; else the requested procedure ID. */
  readonly scheduledProcedureStepID: string;
  /** OMI: IPC-5; ORM: OBR-24 (diagnostic service section). */
  readonly modality: string;
  /** OMI: IPC-9; ORM: OBR-21. */
  readonly scheduledStationAETitle: string;
  /** OBR-4, universal service identifier: the requested procedure and the scheduled protocol. */
  readonly procedure: Hl7Code;
  /** The start as TS/DTM: TQ1-7, else OBR-27.4, else ORC-7.4, else OBR-36. */
  readonly start: string;
  /** OBR-16, ordering provider, as a DICOM person name. */
  readonly requestingPhysician: string;
  /** Sequence of the ORC segment, for errors. */
  readonly sequence: number;
}

/** An order message: its patient and its orders. */
export interface Hl7OrderMessage {
  readonly patient: Hl7PatientUpdate;
  readonly orders: readonly Hl7OrderRequest[];
}

/**
 * Reads ORM^O01 (HL7 v2.3-2.5.1 4.4.1) or OMI^O23 (v2.5.1 4.4.9): PID, then per order ORC with its
 * OBR (and for OMI TQ1 and IPC; for ORM the ZDS of IHE's profile).
 */
export function readOrderMessage(message: Hl7Message): Hl7OrderMessage {
  const patient = readPatient(message);
  const segments = message.segments.map((segment, i) => ({ segment, sequence: i + 1 }));
  const orcs = segments.filter((s) => s.segment.name === 'ORC');
  if (orcs.length === 0) requiredSegment(message, 'ORC');
  const omi = message.messageType.code === 'OMI';
  const orders = orcs.map((orc, n) => {
    const next = orcs[n + 1]?.sequence ?? Infinity;
    const group = segments.filter((s) => s.sequence > orc.sequence && s.sequence < next);
    const find = (name: string) => group.find((s) => s.segment.name === name);
    const obr = find('OBR') ?? problem('segment-missing', { segment: 'OBR', sequence: orc.sequence + 1 }, `the order of ORC segment ${orc.sequence} has no OBR segment; it is required`);
    const ipc = omi ? (find('IPC') ?? problem('segment-missing', { segment: 'IPC', sequence: obr.sequence + 1 }, `the OMI order of ORC segment ${orc.sequence} has no IPC segment; it is required`)) : undefined;
    return readOrder(orc, obr, find('TQ1'), ipc, find('ZDS'));
  });
  return { patient, orders };
}

type Located = { segment: Hl7Segment; sequence: number };

function readOrder(orc: Located, obr: Located, tq1: Located | undefined, ipc: Located | undefined, zds: Located | undefined): Hl7OrderRequest {
  const control = orc.segment.value(1) as OrderControl;
  if (!CONTROLS.includes(control)) problem('table-value-not-found', { segment: 'ORC', sequence: orc.sequence, field: 1 }, `ORC-1 "${orc.segment.value(1)}" is not an order control this receiver acts on (${CONTROLS.join(', ')})`);
  const o = obr.segment;
  const from = (located: Located | undefined, field: number, component = 1): string => located?.segment.value(field, component).trim() ?? '';
  const accessionNumber = ipc ? from(ipc, 1) : from(obr, 18);
  if (accessionNumber === '') problem('required-field-missing', ipc ? { segment: 'IPC', sequence: ipc.sequence, field: 1 } : { segment: 'OBR', sequence: obr.sequence, field: 18 }, `${ipc ? 'IPC-1' : 'OBR-18'} (accession number) is empty; it identifies the order and is required`);
  const requestedProcedureID = (ipc ? from(ipc, 2) : from(obr, 19)) || accessionNumber;
  const start = from(tq1, 7) || o.value(27, 4) || orc.segment.value(7, 4) || o.value(36);
  return {
    control,
    orderStatus: orc.segment.value(5),
    placerOrderNumber: orc.segment.value(2) || o.value(2),
    fillerOrderNumber: orc.segment.value(3) || o.value(3),
    accessionNumber,
    requestedProcedureID,
    studyInstanceUID: ipc ? from(ipc, 3) : from(zds, 1),
    scheduledProcedureStepID: (ipc ? from(ipc, 4) : from(obr, 20)) || requestedProcedureID,
    modality: ipc ? from(ipc, 5) : from(obr, 24),
    scheduledStationAETitle: ipc ? from(ipc, 9) : from(obr, 21),
    procedure: { code: o.value(4, 1), text: o.value(4, 2), codingSystem: o.value(4, 3) },
    start,
    // XCN: 2 family, 3 given, 4 middle, 5 suffix, 6 prefix; DICOM PN: family^given^middle^prefix^suffix.
    requestingPhysician: [2, 3, 4, 6, 5].map((c) => o.value(16, c).trim()).join('^').replace(/\^+$/, ''),
    sequence: orc.sequence,
  };
}
