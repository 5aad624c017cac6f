import { silentLogger } from '@tessera/telemetry';
import { describeEventBusContract } from './event-bus.contract';
import { MemoryEventBus } from './memory-event-bus.adapter';

describeEventBusContract('in-process', async () => {
  const bus = new MemoryEventBus(silentLogger);
  return { bus, close: () => bus.close() };
});
