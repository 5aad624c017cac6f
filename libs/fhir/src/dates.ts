import { refuse, FhirErrorCode } from './fhir-error';

/** An inclusive range of DICOM dates (DA, YYYYMMDD); an absent end is open. */
export interface DateRange {
  readonly from?: string;
  readonly to?: string;
}

/** How the archive's local time (DICOM DA and TM without an offset, PS3.5 6.2) relates to UTC. */
export interface LocalZone {
  /** The offset from UTC ("+01:00", "-05:00", "+00:00") in force at a local date and time. */
  offsetAt(date: string, time: string): string;
  /** A moment as local DA (YYYYMMDD) and TM (HHMMSS). */
  local(moment: Date): { date: string; time: string };
}

/** The zone of this process (TZ), which a hospital's archive shares with its modalities. */
export const SYSTEM_ZONE: LocalZone = {
  offsetAt(date, time) {
    const at = new Date(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)), Number(time.slice(0, 2) || 0), Number(time.slice(2, 4) || 0), Number(time.slice(4, 6) || 0));
    return formatOffset(-at.getTimezoneOffset());
  },
  local(moment) {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    return { date: `${p(moment.getFullYear(), 4)}${p(moment.getMonth() + 1)}${p(moment.getDate())}`, time: `${p(moment.getHours())}${p(moment.getMinutes())}${p(moment.getSeconds())}` };
  },
};

/** "+HH:MM" of an offset in minutes. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const DA = /^(\d{4})(\d{2})(\d{2})$/;
const TM = /^(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?$/;
// DICOM Timezone Offset From UTC (0008,0201): &ZZXX.
const DICOM_OFFSET = /^([+-])(\d{2})(\d{2})$/;

/** A DICOM date (DA) as a FHIR date, when it is one. */
export function fhirDate(da: string | undefined): string | undefined {
  const m = da === undefined ? null : DA.exec(da.trim());
  if (!m || !realDate(m[1] as string, m[2] as string, m[3] as string)) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/**
 * A DICOM date and time as a FHIR dateTime. FHIR wants a time zone with any time (R4 2.24.0.1
 * dateTime): that of the data set (Timezone Offset From UTC), else the archive's local zone. Without
 * a valid time, the date alone.
 */
export function fhirDateTime(da: string | undefined, tm: string | undefined, offset: string | undefined, zone: LocalZone): string | undefined {
  const date = fhirDate(da);
  if (date === undefined) return undefined;
  const t = tm === undefined ? null : TM.exec(tm.trim());
  if (!t || Number(t[1]) > 23 || Number(t[2] ?? 0) > 59 || Number(t[3] ?? 0) > 59) return date;
  const o = offset === undefined ? null : DICOM_OFFSET.exec(offset.trim());
  const zoneText = o ? `${o[1]}${o[2]}:${o[3]}` : zone.offsetAt((da as string).trim(), `${t[1]}${t[2] ?? '00'}${t[3] ?? '00'}`);
  const fraction = t[3] !== undefined && t[4] !== undefined ? t[4] : '';
  return `${date}T${t[1]}:${t[2] ?? '00'}:${t[3] ?? '00'}${fraction}${zoneText}`;
}

// FHIR date: YYYY, YYYY-MM or YYYY-MM-DD (R4 2.24.0.1).
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const FHIR_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A FHIR dateTime with a time (and so a zone) as the archive's local DA and TM: DICOM keeps local
 * times without an offset, as an order message's times are kept. A date alone is midnight.
 */
export function localDateTime(value: string, zone: LocalZone, expression: string): { date: string; time: string } {
  const full = FHIR_DATE_TIME.exec(value);
  if (full) {
    const moment = new Date(value);
    if (Number.isNaN(moment.getTime()) || !realDate(full[1] as string, full[2] as string, full[3] as string)) refuse(FhirErrorCode.InvalidResource, `${expression} "${value}" is not a valid dateTime`, expression);
    return zone.local(moment);
  }
  const day = FHIR_DATE.exec(value);
  if (day && day[2] !== undefined && day[3] !== undefined && realDate(day[1] as string, day[2], day[3])) return { date: `${day[1]}${day[2]}${day[3]}`, time: '000000' };
  return refuse(FhirErrorCode.InvalidResource, `${expression} "${value}" is not a dateTime of a day (YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with a time zone)`, expression);
}

/** The search prefixes of a date parameter this server supports (FHIR R4 3.1.1.5.6). */
const PREFIXES = ['eq', 'ge', 'le', 'gt', 'lt'] as const;

/**
 * A date search value (FHIR R4 3.1.1.5.6): an optional prefix and a date of a year, month or day,
 * whose implicit range is that whole year, month or day. The stored values are days (DICOM DA), so
 * the comparison reduces to a range of days: eq: within the range; ge: on or after its start; le: on
 * or before its end; gt: after its end; lt: before its start.
 */
export function dateSearchRange(parameter: string, value: string): DateRange {
  const prefix = /^[a-z]{2}/.exec(value)?.[0];
  const known = prefix !== undefined && (PREFIXES as readonly string[]).includes(prefix);
  const text = known ? value.slice(2) : value;
  if (prefix !== undefined && !known) refuse(FhirErrorCode.InvalidSearch, `${parameter}: the prefix "${prefix}" is not supported; this server supports ${PREFIXES.join(', ')}`);
  const m = FHIR_DATE.exec(text);
  if (!m) refuse(FhirErrorCode.InvalidSearch, `${parameter}: "${text}" is not a date of a year, month or day (YYYY, YYYY-MM, YYYY-MM-DD); this server compares days`);
  const [year, month, day] = [m[1] as string, m[2], m[3]];
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) refuse(FhirErrorCode.InvalidSearch, `${parameter}: "${text}" has no month ${month}`);
  if (day !== undefined && !realDate(year, month as string, day)) refuse(FhirErrorCode.InvalidSearch, `${parameter}: "${text}" is not a day of the calendar`);
  const start = `${year}${month ?? '01'}${day ?? '01'}`;
  const end = day !== undefined ? start : month !== undefined ? `${year}${month}${String(daysIn(Number(year), Number(month))).padStart(2, '0')}` : `${year}1231`;
  switch (known ? (prefix as (typeof PREFIXES)[number]) : 'eq') {
    case 'eq':
      return { from: start, to: end };
    case 'ge':
      return { from: start };
    case 'le':
      return { to: end };
    case 'gt':
      return { from: shiftDay(end, 1) };
    case 'lt':
      return { to: shiftDay(start, -1) };
  }
}

function realDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function shiftDay(da: string, days: number): string {
  const d = new Date(Date.UTC(Number(da.slice(0, 4)), Number(da.slice(4, 6)) - 1, Number(da.slice(6, 8)) + days));
  return `${String(d.getUTCFullYear()).padStart(4, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}
