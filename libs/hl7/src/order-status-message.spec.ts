import { buildOrderStatusMessage, type OrderStatusInput } from './order-status-message';
import { parseMessage } from './parse-message';

const input: OrderStatusInput = {
  controlId: 'RES-1',
  now: new Date('2026-11-22T10:30:00.123Z'),
  sendingApplication: 'TESSERA',
  sendingFacility: 'RADIOLOGY',
  patient: { patientID: 'PAT-1', issuerOfPatientID: 'HOSP', name: 'Everyman^Adam^Q^Dr^Jr', birthDate: '19610615', sex: 'M' },
  order: { accessionNumber: 'ACC-1', placerOrderNumber: 'PLC-1', fillerOrderNumber: 'FIL-1', requestedProcedureID: 'RP-1', requestedProcedureDescription: 'CT chest', scheduledProcedureStepID: 'SPS-1' },
  studyInstanceUID: '1.2.826.0.1.3680043.10.1',
  modalities: ['CT', 'SR'],
};

describe('buildOrderStatusMessage', () => {
  it('writes the IHE SWF order status ORM^O01: ORC-1 SC, ORC-5 CM, the order keys in OBR-18/19/20, the study in ZDS-1', () => {
    const text = buildOrderStatusMessage(input).toString('latin1');
    expect(text.split('\r')).toEqual([
      'MSH|^~\\&|TESSERA|RADIOLOGY|||20261122103000.123+0000||ORM^O01|RES-1|P|2.3.1',
      'PID|1||PAT-1^^^HOSP||Everyman^Adam^Q^Jr^Dr||19610615|M',
      'ORC|SC|PLC-1|FIL-1||CM||||20261122103000.123+0000',
      'OBR|1|PLC-1|FIL-1|RP-1^CT chest||||||||||||||ACC-1|RP-1|SPS-1||||CT',
      'ZDS|1.2.826.0.1.3680043.10.1^TESSERA^Application^DICOM',
      '',
    ]);
    const parsed = parseMessage(buildOrderStatusMessage(input));
    expect(parsed.ok).toBe(true);
  });

  it('escapes delimiters in values and declares UTF-8 when a value is not ASCII', () => {
    const bytes = buildOrderStatusMessage({ ...input, patient: { ...input.patient, name: 'Ström^Åsa' }, order: { ...input.order, requestedProcedureDescription: 'CT | chest & abdomen' } });
    const parsed = parseMessage(bytes);
    if (!parsed.ok) throw new Error('unreadable');
    const [msh, pid, , obr] = parsed.message.segments;
    expect(msh?.value(18)).toBe('UNICODE UTF-8');
    expect(pid?.value(5, 1)).toBe('Ström');
    expect(obr?.value(4, 2)).toBe('CT | chest & abdomen');
    expect(bytes.toString('utf8')).toContain('CT \\F\\ chest \\T\\ abdomen');
  });
});
