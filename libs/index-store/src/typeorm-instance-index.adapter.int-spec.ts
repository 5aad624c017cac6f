import { createPgliteTestDatabase, createPostgresTestDatabase } from '@tessera/testing';
import { describeInstanceIndexContract } from './instance-index.contract';
import { TypeormInstanceIndex } from './typeorm-instance-index.adapter';

describeInstanceIndexContract('PostgreSQL', async () => {
  const t = await createPostgresTestDatabase(['default', 'other']);
  return { index: new TypeormInstanceIndex(t.db), close: () => t.drop() };
});

describeInstanceIndexContract('PGlite', async () => {
  const t = await createPgliteTestDatabase(['default', 'other']);
  return { index: new TypeormInstanceIndex(t.db), close: () => t.drop() };
});

describe('TypeormInstanceIndex.currentPatients', () => {
  it('tells the patient attributes of studies once the RIS has spoken for their patient, per tenant', async () => {
    const t = await createPgliteTestDatabase(['default', 'other']);
    try {
      const index = new TypeormInstanceIndex(t.db);
      const make = (tenant: string, name: string) => ({
        tenant,
        studyInstanceUID: '7.1',
        seriesInstanceUID: '7.1.1',
        sopInstanceUID: `7.1.1.${tenant.length}`,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
        transferSyntaxUID: '1.2.840.10008.1.2.1',
        objectKey: `${tenant}/7.1/7.1.1/x/v1.dcm`,
        sizeBytes: 1000,
        datasetOffset: 200,
        datasetSha256: 'c'.repeat(64),
        storedAt: new Date('2024-01-01T00:00:00Z'),
        metadata: { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: name }] }, '00100020': { vr: 'LO' as const, Value: ['P7'] }, '0020000D': { vr: 'UI' as const, Value: ['7.1'] }, '0020000E': { vr: 'UI' as const, Value: ['7.1.1'] } },
      });
      await index.index(make('default', 'Doe^John'));
      await index.index(make('other', 'Roe^Richard'));
      expect((await index.currentPatients('default', ['7.1'])).size).toBe(0);
      // What an ADT message does to the patient row (libs/hl7-store): the RIS has spoken.
      await t.db.dataSource.query(`UPDATE patient SET ris_updated_at = now() WHERE tenant_id = 'default'`);
      const found = await index.currentPatients('default', ['7.1', '9.9']);
      expect([...found.keys()]).toEqual(['7.1']);
      expect(found.get('7.1')?.['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] });
      expect((await index.currentPatients('other', ['7.1'])).size).toBe(0);
    } finally {
      await t.drop();
    }
  });
});

describe('TypeormInstanceIndex.indexMany', () => {
  it('indexes a batch all or nothing: one instance the database refuses leaves none of the batch indexed', async () => {
    const t = await createPgliteTestDatabase(['default']);
    try {
      const index = new TypeormInstanceIndex(t.db);
      const make = (tenant: string, sop: string) => ({
        tenant,
        studyInstanceUID: '9.1',
        seriesInstanceUID: '9.1.1',
        sopInstanceUID: sop,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
        transferSyntaxUID: '1.2.840.10008.1.2.1',
        objectKey: `${tenant}/9.1/9.1.1/${sop}/v1.dcm`,
        sizeBytes: 1000,
        datasetOffset: 200,
        datasetSha256: 'b'.repeat(64),
        storedAt: new Date('2024-01-01T00:00:00Z'),
        metadata: { '00100020': { vr: 'LO' as const, Value: ['P9'] }, '0020000D': { vr: 'UI' as const, Value: ['9.1'] }, '0020000E': { vr: 'UI' as const, Value: ['9.1.1'] } },
      });
      // No tenant "nobody": its patient row breaks a foreign key.
      await expect(index.indexMany([make('default', '9.1.1.1'), make('nobody', '9.1.1.2')])).rejects.toThrow();
      const rows = (await t.db.dataSource.query('SELECT count(*) AS n FROM instance')) as { n: string | number }[];
      expect(Number(rows[0]?.n)).toBe(0);
      expect(await index.indexMany([make('default', '9.1.1.1')])).toEqual(['indexed']);
    } finally {
      await t.drop();
    }
  });
});
