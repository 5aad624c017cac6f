import { describeProcedureStepStoreContract } from './procedure-step-store.contract';
import { MemoryProcedureStepStore } from './memory-procedure-step-store.adapter';

describeProcedureStepStoreContract('in-memory', async () => {
  const store = new MemoryProcedureStepStore();
  return { store, recordedEvents: async () => store.events.map((e) => e.envelope.correlationId), close: async () => undefined };
});
