import { parseEvent, StudyStableV1 } from '@tessera/contracts';
import { MemoryStudyStability, type SettledStudy } from '@tessera/index-store';
import { silentLogger } from '@tessera/telemetry';
import { AnnounceStableStudiesUseCase } from './announce-stable-studies.use-case';

const study = (n: number, order = false): SettledStudy => ({
  tenant: 'default',
  studyInstanceUID: `1.2.3.${n}`,
  accessionNumber: `ACC-${n}`,
  patient: { patientID: 'P1', issuerOfPatientID: 'HOSP' },
  patientAttributes: { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] }, '00100040': { vr: 'CS', Value: ['F'] } },
  modalitiesInStudy: ['CT'],
  numberOfSeries: 1,
  numberOfInstances: 3,
  lastInstanceAt: new Date('2026-11-22T10:00:00Z'),
  ...(order ? { order: { accessionNumber: `ACC-${n}`, placerOrderNumber: 'PLC-1', scheduledProcedureStepID: 'SPS-1', studyInstanceUID: `1.2.3.${n}`, status: 'SCHEDULED', patient: { patientID: 'P1', issuerOfPatientID: 'HOSP' } } } : {}),
});

describe('AnnounceStableStudiesUseCase', () => {
  it('announces each study due, once, as study.stable.v1 with its order, and wakes the relay', async () => {
    const stability = new MemoryStudyStability();
    let notified = 0;
    const announce = new AnnounceStableStudiesUseCase(stability, () => notified++, silentLogger, { source: 'index@test', stableAfterMs: 60_000 });
    stability.touch(study(1, true), new Date('2026-11-22T10:01:00Z'));
    stability.touch(study(2), new Date('2026-11-22T10:05:00Z'));
    expect(await announce.execute(new Date('2026-11-22T10:02:00Z'))).toBe(1);
    expect(await announce.execute(new Date('2026-11-22T10:02:00Z'))).toBe(0);
    expect(notified).toBe(1);
    const event = parseEvent(StudyStableV1, stability.events[0]?.envelope);
    expect(event.data).toEqual({
      studyInstanceUID: '1.2.3.1',
      accessionNumber: 'ACC-1',
      patient: { patientID: 'P1', issuerOfPatientID: 'HOSP' },
      demographics: { patientName: 'Doe^Jane', patientSex: 'F' },
      modalitiesInStudy: ['CT'],
      numberOfSeries: 1,
      numberOfInstances: 3,
      lastInstanceAt: '2026-11-22T10:00:00.000Z',
      stableAfterSeconds: 60,
      order: { accessionNumber: 'ACC-1', placerOrderNumber: 'PLC-1', scheduledProcedureStepID: 'SPS-1', studyInstanceUID: '1.2.3.1', status: 'SCHEDULED', patient: { patientID: 'P1', issuerOfPatientID: 'HOSP' } },
    });
    expect(stability.events[0]?.key).toBe('default/1.2.3.1');
  });

  it('goes through a backlog larger than one batch', async () => {
    const stability = new MemoryStudyStability();
    const announce = new AnnounceStableStudiesUseCase(stability, () => undefined, silentLogger, { source: 'index@test', stableAfterMs: 1000 });
    for (let n = 0; n < 250; n++) stability.touch(study(n), new Date(0));
    expect(await announce.execute(new Date())).toBe(250);
    expect(stability.events).toHaveLength(250);
  });
});
