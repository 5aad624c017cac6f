import type { Hl7Outbound, NewOutboundMessage } from './hl7-outbound.port';

const message = (n: number, tenant = 'default'): NewOutboundMessage => ({
  tenant,
  causeEventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  controlId: `CTRL-${n}`,
  messageType: 'ORM^O01',
  accessionNumber: `ACC-${n}`,
  payload: Buffer.from(`MSH|^~\\&|TESSERA|||||||ORM^O01|CTRL-${n}|P|2.3.1\r`),
});

/** The contract every Hl7Outbound adapter meets (STYLE 10). Tenants used: "default", "other". */
export function describeHl7OutboundContract(name: string, open: () => Promise<{ outbound: Hl7Outbound; close: () => Promise<void> }>): void {
  describe(`Hl7Outbound contract: ${name}`, () => {
    let outbound: Hl7Outbound;
    let close: () => Promise<void>;
    const t0 = new Date('2026-11-22T10:00:00Z');
    const at = (ms: number): Date => new Date(t0.getTime() + ms);
    beforeAll(async () => ({ outbound, close } = await open()));
    afterAll(async () => close());

    it('queues a message once per cause, hands it to one sender at a time, and retries it when asked', async () => {
      expect(await outbound.enqueue(message(1), t0)).toBe('queued');
      expect(await outbound.enqueue(message(1), t0)).toBe('duplicate');
      const [claimed] = await outbound.claimDue(t0, 10, 30_000);
      expect(claimed).toMatchObject({ tenant: 'default', controlId: 'CTRL-1', messageType: 'ORM^O01', attempts: 1 });
      expect(claimed?.payload.toString('latin1')).toContain('|CTRL-1|');
      // Leased: nobody else gets it meanwhile.
      expect(await outbound.claimDue(at(1000), 10, 30_000)).toEqual([]);
      await outbound.settle(claimed?.id as string, { status: 'pending', error: 'connection refused', retryAt: at(5000) }, at(1000));
      expect(await outbound.claimDue(at(4999), 10, 30_000)).toEqual([]);
      const [again] = await outbound.claimDue(at(5000), 10, 30_000);
      expect(again?.attempts).toBe(2);
      await outbound.settle(again?.id as string, { status: 'sent', acknowledgement: 'AA' }, at(5100));
      expect(await outbound.claimDue(at(100_000), 10, 30_000)).toEqual([]);
      expect(await outbound.list('default')).toEqual([{ id: again?.id, tenant: 'default', controlId: 'CTRL-1', status: 'sent', attempts: 2, acknowledgement: 'AA', lastError: 'connection refused' }]);
    });

    it('keeps a refused or exhausted message as failed, the dead letter, with its reason; per tenant', async () => {
      await outbound.enqueue(message(2, 'other'), t0);
      await outbound.enqueue(message(3, 'other'), t0);
      const claimed = await outbound.claimDue(at(200_000), 10, 30_000);
      expect(claimed.map((c) => c.controlId)).toEqual(['CTRL-2', 'CTRL-3']);
      await outbound.settle(claimed[0]?.id as string, { status: 'failed', error: 'AR: unknown order', acknowledgement: 'AR' }, at(200_001));
      await outbound.settle(claimed[1]?.id as string, { status: 'failed', error: 'no answer after 10 attempts' }, at(200_001));
      expect((await outbound.list('other')).map((s) => [s.controlId, s.status, s.acknowledgement, s.lastError])).toEqual([
        ['CTRL-2', 'failed', 'AR', 'AR: unknown order'],
        ['CTRL-3', 'failed', undefined, 'no answer after 10 attempts'],
      ]);
      expect(await outbound.claimDue(at(10_000_000), 10, 30_000)).toEqual([]);
      expect((await outbound.list('default')).map((s) => s.controlId)).toEqual(['CTRL-1']);
    });
  });
}
