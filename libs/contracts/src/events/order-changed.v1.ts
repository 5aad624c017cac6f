import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { OrderFields } from './order.fields';

export const OrderChangedV1Schema = z.object(OrderFields);

/** Data of `order.changed.v1`. */
export type OrderChangedV1 = z.infer<typeof OrderChangedV1Schema>;

/**
 * An imaging order changed (HL7 ORC-1 XO, or SC with a new status); its worklist item changed with it.
 * @since 0.3.0
 */
export const OrderChangedV1: EventDefinition<typeof OrderChangedV1Schema> = {
  type: 'order.changed.v1',
  topic: Topics.Orders,
  schema: OrderChangedV1Schema,
  summary: 'An imaging order changed (HL7 ORC-1 XO, or SC with a new status); its worklist item changed with it.',
  key: (tenant, data) => `${tenant}/${data.accessionNumber}`,
};
