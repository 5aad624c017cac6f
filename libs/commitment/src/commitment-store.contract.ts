import type { CommitmentRequest, CommitmentStore } from './commitment-store.port';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const request = (tenant: string, transactionUID: string, instances: readonly string[]): CommitmentRequest => ({
  tenant,
  transactionUID,
  requestingAETitle: 'CT1',
  calledAETitle: 'TESSERA',
  references: instances.map((sopInstanceUID) => ({ sopClassUID: CT, sopInstanceUID })),
});
const LONG = 60_000;
const past = () => new Date(Date.now() - 1000);

/** The behaviour every CommitmentStore adapter must have (STYLE 10). */
export function describeCommitmentStoreContract(name: string, create: () => Promise<{ store: CommitmentStore; close: () => Promise<void> }>): void {
  describe(`CommitmentStore contract: ${name}`, () => {
    let store: CommitmentStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await create()));
    afterAll(async () => close());

    it('keeps a request claimed by its acceptor until the lease runs out', async () => {
      await store.accept(request('default', '1.1', ['1.1.1', '1.1.2']), LONG);
      expect(await store.find('default', '1.1')).toMatchObject({ state: 'pending', attempts: 0, requestingAETitle: 'CT1', calledAETitle: 'TESSERA', references: request('default', '1.1', ['1.1.1', '1.1.2']).references });
      expect((await store.find('default', '1.1'))?.result).toBeUndefined();
      expect((await store.claimDue(10, LONG)).map((r) => r.transactionUID)).not.toContain('1.1');
      await store.accept(request('default', '1.2', ['1.2.1']), 0);
      expect((await store.claimDue(10, LONG)).map((r) => r.transactionUID)).toEqual(['1.2']);
      // Claimed now: nobody else gets it while the lease lasts.
      expect(await store.claimDue(10, LONG)).toEqual([]);
    });

    it('records the result, and a reported request is done', async () => {
      await store.accept(request('default', '2.1', ['2.1.1']), 0);
      const result = { committed: [{ sopClassUID: CT, sopInstanceUID: '2.1.1' }], failed: [{ sopClassUID: CT, sopInstanceUID: '2.1.9', failureReason: 0x0112 }] };
      await store.recordResult('default', '2.1', result);
      await store.markReported('default', '2.1');
      const done = await store.find('default', '2.1');
      expect(done).toMatchObject({ state: 'reported', attempts: 1, result });
      expect(done?.reportedAt).toBeInstanceOf(Date);
      expect((await store.claimDue(10, LONG)).map((r) => r.transactionUID)).not.toContain('2.1');
    });

    it('retries a failed delivery when it is due, keeping the result, and gives up when told', async () => {
      await store.accept(request('default', '3.1', ['3.1.1']), LONG);
      await store.recordResult('default', '3.1', { committed: [{ sopClassUID: CT, sopInstanceUID: '3.1.1' }], failed: [] });
      await store.deliveryFailed('default', '3.1', 'connection refused', past());
      const [again] = await store.claimDue(1, LONG);
      expect(again).toMatchObject({ transactionUID: '3.1', state: 'pending', attempts: 1, lastError: 'connection refused', result: { committed: [{ sopClassUID: CT, sopInstanceUID: '3.1.1' }], failed: [] } });
      await store.deliveryFailed('default', '3.1', 'still refused', undefined);
      expect(await store.find('default', '3.1')).toMatchObject({ state: 'abandoned', attempts: 2, lastError: 'still refused' });
      expect(await store.claimDue(10, 0)).toEqual([]);
    });

    it('starts a request over when its transaction UID comes again, per tenant', async () => {
      await store.accept(request('default', '4.1', ['4.1.1']), LONG);
      await store.recordResult('default', '4.1', { committed: [], failed: [{ sopClassUID: CT, sopInstanceUID: '4.1.1', failureReason: 0x0112 }] });
      await store.deliveryFailed('default', '4.1', 'refused', past());
      await store.accept(request('other', '4.1', ['9.9.9']), LONG);
      await store.accept(request('default', '4.1', ['4.1.1', '4.1.2']), LONG);
      const again = await store.find('default', '4.1');
      expect(again).toMatchObject({ state: 'pending', attempts: 0, references: request('default', '4.1', ['4.1.1', '4.1.2']).references });
      expect(again?.result).toBeUndefined();
      expect(again?.lastError).toBeUndefined();
      expect((await store.find('other', '4.1'))?.references.map((r) => r.sopInstanceUID)).toEqual(['9.9.9']);
      expect(await store.find('default', 'unknown')).toBeUndefined();
    });

    it('forgets finished requests received before a time, never a pending one', async () => {
      await store.accept(request('other', '6.1', ['6.1.1']), LONG);
      await store.markReported('other', '6.1');
      await store.accept(request('other', '6.2', ['6.2.1']), LONG);
      await store.deliveryFailed('other', '6.2', 'unreachable', undefined);
      await store.accept(request('other', '6.3', ['6.3.1']), LONG);
      expect(await store.forgetFinished(past())).toBe(0);
      expect(await store.find('other', '6.1')).toBeDefined();
      const later = new Date(Date.now() + 1000);
      expect(await store.forgetFinished(later)).toBeGreaterThanOrEqual(2);
      expect(await store.find('other', '6.1')).toBeUndefined();
      expect(await store.find('other', '6.2')).toBeUndefined();
      expect(await store.find('other', '6.3')).toMatchObject({ state: 'pending' });
    });

    it('claims at most the limit, earliest due first', async () => {
      await store.accept(request('default', '5.1', ['5.1.1']), -3000);
      await store.accept(request('default', '5.2', ['5.2.1']), -2000);
      await store.accept(request('default', '5.3', ['5.3.1']), -1000);
      expect((await store.claimDue(2, LONG)).map((r) => r.transactionUID)).toEqual(['5.1', '5.2']);
      expect((await store.claimDue(2, LONG)).map((r) => r.transactionUID)).toEqual(['5.3']);
    });
  });
}
