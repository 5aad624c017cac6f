import { describeHl7OutboundContract } from './hl7-outbound.contract';
import { MemoryHl7Outbound } from './memory-hl7-outbound.adapter';

describeHl7OutboundContract('in-memory', async () => ({ outbound: new MemoryHl7Outbound(), close: async () => undefined }));
