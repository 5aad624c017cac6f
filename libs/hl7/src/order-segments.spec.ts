import { readWith } from './content-problem';
import type { Hl7Message } from './hl7-message';
import { readOrderMessage } from './order-segments';
import { parseMessage } from './parse-message';

const message = (type: string, ...segments: string[]): Hl7Message => {
  const parsed = parseMessage(Buffer.from([`MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||${type}|C1|P|2.5.1`, 'PID|1||PAT-1^^^HOSP||EVERYMAN^ADAM', ...segments].join('\r')));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.message;
};

describe('readOrderMessage (ORM^O01, OMI^O23; IHE RAD TF-2 Appendix B)', () => {
  it('reads an ORM order: OBR-18 accession, OBR-19 requested procedure, OBR-20 step, OBR-21 station, OBR-24 modality, ZDS-1 study, OBR-27.4 start', () => {
    const orm = message('ORM^O01^ORM_O01', 'PV1|1|O', 'ORC|NW|PLC-1|FIL-1||SC', 'OBR|1|PLC-1|FIL-1|CTCHEST^CT chest^LOCAL||||||||||||1234^HOUSE^GREGORY^^^DR||ACC-1|RP-1|SPS-1|CT1|||CT|||^^^202611221030', 'ZDS|1.2.3.4^TESSERA^Application^DICOM');
    const { patient, orders } = readOrderMessage(orm);
    expect(patient.identity).toEqual({ patientID: 'PAT-1', issuerOfPatientID: 'HOSP' });
    expect(orders).toEqual([
      {
        control: 'NW',
        orderStatus: 'SC',
        placerOrderNumber: 'PLC-1',
        fillerOrderNumber: 'FIL-1',
        accessionNumber: 'ACC-1',
        requestedProcedureID: 'RP-1',
        studyInstanceUID: '1.2.3.4',
        scheduledProcedureStepID: 'SPS-1',
        modality: 'CT',
        scheduledStationAETitle: 'CT1',
        procedure: { code: 'CTCHEST', text: 'CT chest', codingSystem: 'LOCAL' },
        start: '202611221030',
        requestingPhysician: 'HOUSE^GREGORY^^DR',
        sequence: 4,
      },
    ]);
  });

  it('reads an OMI order from IPC and TQ1, and one order per ORC', () => {
    const omi = message(
      'OMI^O23^OMI_O23',
      'ORC|NW|P1',
      'TQ1|1||||||20261122083000',
      'OBR|1|P1||MRHEAD^MR head',
      'IPC|ACC-2|RP-2|1.2.3.5|SPS-2|MR|||ROOM 1|MR1',
      'ORC|CA|P2',
      'OBR|1|P2||MRKNEE^MR knee',
      'IPC|ACC-3|RP-3||SPS-3|MR||||MR1',
    );
    const { orders } = readOrderMessage(omi);
    expect(orders.map((o) => [o.control, o.accessionNumber, o.requestedProcedureID, o.studyInstanceUID, o.scheduledProcedureStepID, o.modality, o.scheduledStationAETitle, o.start])).toEqual([
      ['NW', 'ACC-2', 'RP-2', '1.2.3.5', 'SPS-2', 'MR', 'MR1', '20261122083000'],
      ['CA', 'ACC-3', 'RP-3', '', 'SPS-3', 'MR', 'MR1', ''],
    ]);
  });

  it('says what is missing or unknown, and where', () => {
    const problem = (m: Hl7Message) => {
      const r = readWith(() => readOrderMessage(m));
      if (r.ok) throw new Error('expected a problem');
      return r.problem;
    };
    expect(problem(message('ORM^O01', 'ORC|NW|P1'))).toEqual({ condition: 'segment-missing', location: { segment: 'OBR', sequence: 4 }, message: 'the order of ORC segment 3 has no OBR segment; it is required' });
    expect(problem(message('ORM^O01', 'ORC|NW|P1', 'OBR|1|P1||X'))).toMatchObject({ condition: 'required-field-missing', location: { segment: 'OBR', sequence: 4, field: 18 } });
    expect(problem(message('ORM^O01', 'ORC|ZZ|P1', 'OBR|1|P1||X'))).toMatchObject({ condition: 'table-value-not-found', location: { segment: 'ORC', sequence: 3, field: 1 } });
    expect(problem(message('OMI^O23', 'ORC|NW|P1', 'OBR|1|P1||X'))).toMatchObject({ condition: 'segment-missing', location: { segment: 'IPC' } });
    expect(problem(message('ORM^O01'))).toMatchObject({ condition: 'segment-missing', location: { segment: 'ORC' } });
  });
});
