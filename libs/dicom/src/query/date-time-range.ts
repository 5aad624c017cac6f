import { inRange } from './matching';
import type { MatchKey } from './query-model';

/** A range key (PS3.4 C.2.2.2.5). */
export type RangeKey = Extract<MatchKey, { kind: 'range' }>;

/**
 * Combined date-time range matching (PS3.4 C.2.2.2.5): a range on a DA attribute together with a
 * range on its TM partner (Scheduled Procedure Step Start Date and Time, Study Date and Time) is one
 * span, from the lower date at the lower time to the upper date at the upper time, not a window of
 * hours on each day. An end without a date is open; an end with a date but no time runs from the
 * start of the lower date or to the end of the upper date. A value without a date does not match
 * (PS3.4 C.2.2.2.1); a value without a time counts as the start of its day.
 */
export function inDateTimeRange(date: string | undefined, time: string | undefined, dateKey: RangeKey, timeKey: RangeKey): boolean {
  if (!date) return false;
  const from = dateKey.from === undefined ? undefined : `${dateKey.from}${timeKey.from ?? ''}`;
  const to = dateKey.to === undefined ? undefined : `${dateKey.to}${timeKey.to ?? ''}`;
  // DA is YYYYMMDD and TM HHMMSS.FFFFFF with trailing parts left out, so date followed by time orders
  // like the instant it names, and inRange's prefix rule makes an upper bound cover what it leaves out.
  return inRange(`${date}${time ?? ''}`, from, to);
}
