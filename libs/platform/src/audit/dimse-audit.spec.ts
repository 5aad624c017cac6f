import { AuditTrail, MemoryAuditStore } from '@tessera/audit';
import { loadConfig } from '@tessera/config';
import type { AssociationInfo } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import { expectEventually } from '@tessera/testing';
import { DimseAudit } from './dimse-audit';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const SR = '1.2.840.10008.5.1.4.1.1.88.22';

describe('DimseAudit', () => {
  it('records an association’s instances once per patient and study when it ends, counted per SOP class', async () => {
    const store = new MemoryAuditStore();
    const audit = new DimseAudit(loadConfig({}), silentLogger, new AuditTrail(store, undefined, { source: { auditSourceId: 'tessera@test' } }));
    const association = { id: 'a-1', callingAETitle: 'CT01', calledAETitle: 'TESSERA', remoteAddress: '127.0.0.1' } as AssociationInfo;
    const jane = { id: 'P1', name: 'Doe^Jane' };
    for (let i = 0; i < 1000; i++) audit.stored(association, 'default', { studyInstanceUID: '1.2.3', patient: jane, sopClassUID: CT });
    audit.stored(association, 'default', { studyInstanceUID: '1.2.3', patient: jane, sopClassUID: SR });
    audit.stored(association, 'default', { studyInstanceUID: '4.5.6', patient: { id: 'P2' }, sopClassUID: CT });
    expect(await store.search({ tenant: 'default', limit: 10 })).toEqual([]);
    audit.ended('a-1', 'released');
    await expectEventually(async () => expect(await store.search({ tenant: 'default', limit: 10 })).toHaveLength(2));
    const records = await store.search({ tenant: 'default', limit: 10 });
    expect(records.map((r) => [r.patientIds, r.studyInstanceUIDs]).sort()).toEqual([
      [['P1'], ['1.2.3']],
      [['P2'], ['4.5.6']],
    ]);
    const jane1 = records.find((r) => r.patientIds[0] === 'P1')?.message ?? '';
    expect(jane1).toContain('NumberOfInstances="1000"');
    expect(jane1).toContain(`UID="${SR}" NumberOfInstances="1"`);
  });
});
