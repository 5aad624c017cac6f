import type { AeRegistry, ApplicationEntity } from './ae-registry.port';

const entry = (tenant: string, aeTitle: string, extra: Partial<ApplicationEntity> = {}): ApplicationEntity => ({
  tenant,
  aeTitle,
  host: '10.0.0.5',
  port: 104,
  tls: false,
  description: 'CT scanner, room 2',
  allowedOperations: ['ECHO', 'STORE'],
  moveDestinations: [],
  ...extra,
});

/** The behaviour every AeRegistry adapter must have (STYLE 10). */
export function describeAeRegistryContract(name: string, create: () => Promise<{ registry: AeRegistry; close: () => Promise<void> }>): void {
  describe(`AeRegistry contract: ${name}`, () => {
    let registry: AeRegistry;
    let close: () => Promise<void>;
    beforeAll(async () => ({ registry, close } = await create()));
    afterAll(async () => close());

    it('creates, replaces, lists in title order, and removes entries per tenant', async () => {
      expect(await registry.put(entry('default', 'CT2'))).toBe('created');
      expect(await registry.put(entry('default', 'AW1', { allowedOperations: ['FIND', 'MOVE'], moveDestinations: ['AW1', 'PACS2'] }))).toBe('created');
      expect(await registry.put(entry('default', 'CT2', { port: 11112, tls: true }))).toBe('updated');
      expect(await registry.put(entry('other', 'CT2'))).toBe('created');
      expect((await registry.list('default')).map((e) => [e.aeTitle, e.port, e.tls])).toEqual([['AW1', 104, false], ['CT2', 11112, true]]);
      expect(await registry.find('default', 'AW1')).toEqual(entry('default', 'AW1', { allowedOperations: ['FIND', 'MOVE'], moveDestinations: ['AW1', 'PACS2'] }));
      expect(await registry.find('default', 'NOBODY')).toBeUndefined();
      expect(await registry.remove('default', 'CT2')).toBe(true);
      expect(await registry.remove('default', 'CT2')).toBe(false);
      expect((await registry.list('other')).map((e) => e.aeTitle)).toEqual(['CT2']);
    });

    it('keeps rejections, newest first, apart per tenant', async () => {
      await registry.recordRejection({ tenant: 'default', callingAETitle: 'ROGUE', calledAETitle: 'TESSERA', remoteAddress: '10.9.9.9', reason: 'calling AE title not recognized' }, []);
      await registry.recordRejection({ tenant: 'default', callingAETitle: 'ROGUE2', calledAETitle: 'TESSERA', remoteAddress: '10.9.9.9', reason: 'calling AE title not recognized' }, []);
      await registry.recordRejection({ callingAETitle: 'X', calledAETitle: 'WRONG', remoteAddress: '10.9.9.8', reason: 'called AE title not recognized' }, []);
      expect((await registry.rejections('default', 10)).map((r) => r.callingAETitle)).toEqual(['ROGUE2', 'ROGUE']);
      expect((await registry.rejections(undefined, 10)).map((r) => r.calledAETitle)).toEqual(['WRONG']);
      expect(await registry.rejections('other', 10)).toEqual([]);
    });
  });
}
