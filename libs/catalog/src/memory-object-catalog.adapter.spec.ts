import { describeObjectCatalogContract } from './object-catalog.contract';
import { MemoryObjectCatalog } from './memory-object-catalog.adapter';

describeObjectCatalogContract('in-memory', async () => {
  const catalog = new MemoryObjectCatalog();
  return { catalog, eventCount: async () => catalog.events.length, close: async () => undefined };
});
