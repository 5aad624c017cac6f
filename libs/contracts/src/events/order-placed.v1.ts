import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { OrderFields } from './order.fields';

export const OrderPlacedV1Schema = z.object(OrderFields);

/** Data of `order.placed.v1`. */
export type OrderPlacedV1 = z.infer<typeof OrderPlacedV1Schema>;

/**
 * An imaging order was placed (HL7 ORC-1 NW): its scheduled procedure step is on the modality worklist.
 * @since 0.3.0
 */
export const OrderPlacedV1: EventDefinition<typeof OrderPlacedV1Schema> = {
  type: 'order.placed.v1',
  topic: Topics.Orders,
  schema: OrderPlacedV1Schema,
  summary: 'An imaging order was placed (HL7 ORC-1 NW): its scheduled procedure step is on the modality worklist.',
  key: (tenant, data) => `${tenant}/${data.accessionNumber}`,
};
