import type { DatasetVisitor, ElementHeader } from './dataset-parser';

/**
 * One visitor that hands the parse to several, so one pass over a stream serves them all. A value
 * any of them wants is read whole; the others see it as they would have: not held, its bytes through
 * their valueBytes.
 */
export function teeVisitor(...visitors: readonly DatasetVisitor[]): DatasetVisitor {
  const wanting = new Map<DatasetVisitor, boolean>();
  return {
    wantsValue(header: ElementHeader): boolean {
      let any = false;
      for (const v of visitors) {
        const wants = v.wantsValue(header);
        wanting.set(v, wants);
        any ||= wants;
      }
      return any;
    },
    element(header, value) {
      for (const v of visitors) {
        if (value === undefined || wanting.get(v)) {
          v.element(header, value);
        } else {
          v.element(header, undefined);
          v.valueBytes?.(value);
        }
      }
    },
    sequenceStart: (header) => visitors.forEach((v) => v.sequenceStart(header)),
    itemStart: (offset, length) => visitors.forEach((v) => v.itemStart(offset, length)),
    itemEnd: () => visitors.forEach((v) => v.itemEnd()),
    sequenceEnd: () => visitors.forEach((v) => v.sequenceEnd()),
    encapsulatedStart: (header) => visitors.forEach((v) => v.encapsulatedStart(header)),
    fragment: (valueOffset, length) => visitors.forEach((v) => v.fragment(valueOffset, length)),
    encapsulatedEnd: () => visitors.forEach((v) => v.encapsulatedEnd()),
    valueBytes: (chunk) => visitors.forEach((v) => v.valueBytes?.(chunk)),
  };
}
