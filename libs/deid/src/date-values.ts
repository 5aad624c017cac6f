const DAY_MS = 86_400_000;

function shiftYmd(year: number, month: number, day: number, days: number): string | undefined {
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  // Date.UTC rolls 20230231 over to March; a date that is not a calendar date is not shifted.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const shifted = new Date(time + days * DAY_MS);
  const y = shifted.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  return `${String(y).padStart(4, '0')}${String(shifted.getUTCMonth() + 1).padStart(2, '0')}${String(shifted.getUTCDate()).padStart(2, '0')}`;
}

/**
 * A DA value (PS3.5 6.2: YYYYMMDD, or the ACR-NEMA YYYY.MM.DD that old objects still carry) moved by a
 * whole number of days; undefined when it is not a calendar date.
 */
export function shiftDate(value: string, days: number): string | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  return shiftYmd(Number(m[1]), Number(m[2]), Number(m[3]), days);
}

/**
 * A DT value (PS3.5 6.2: YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]) moved by a whole number of days: the date part
 * moves, the time of day and the offset from UTC stay. A value with only a year or a month moves its first
 * day and keeps its precision. Undefined when it is not a date time.
 */
export function shiftDateTime(value: string, days: number): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(.*)$/.exec(value.trim());
  if (!m) return undefined;
  const [, year, month, day, rest = ''] = m;
  if (rest.length > 0 && day === undefined) return undefined;
  if (rest.length > 0 && !/^(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?([+-]\d{4})?$/.test(rest)) return undefined;
  const shifted = shiftYmd(Number(year), Number(month ?? '01'), Number(day ?? '01'), days);
  if (shifted === undefined) return undefined;
  const precision = 4 + (month === undefined ? 0 : 2) + (day === undefined ? 0 : 2);
  return shifted.slice(0, precision) + rest;
}
