import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { OrderFields } from './order.fields';

export const OrderCancelledV1Schema = z.object(OrderFields);

/** Data of `order.cancelled.v1`. */
export type OrderCancelledV1 = z.infer<typeof OrderCancelledV1Schema>;

/**
 * An imaging order was cancelled or discontinued (HL7 ORC-1 CA or DC): its step left the worklist.
 * @since 0.3.0
 */
export const OrderCancelledV1: EventDefinition<typeof OrderCancelledV1Schema> = {
  type: 'order.cancelled.v1',
  topic: Topics.Orders,
  schema: OrderCancelledV1Schema,
  summary: 'An imaging order was cancelled or discontinued (HL7 ORC-1 CA or DC): its step left the worklist.',
  key: (tenant, data) => `${tenant}/${data.accessionNumber}`,
};
