import { dateSearchRange, fhirDateTime, localDateTime, type LocalZone } from './dates';
import { FhirError } from './fhir-error';

// A zone one hour east of UTC all year, so that the tests do not depend on the machine's TZ.
const CET: LocalZone = {
  offsetAt: () => '+01:00',
  local: (moment) => {
    const shifted = new Date(moment.getTime() + 3600_000).toISOString();
    return { date: shifted.slice(0, 10).replace(/-/g, ''), time: shifted.slice(11, 19).replace(/:/g, '') };
  },
};

describe('date search values (FHIR R4 3.1.1.5.6) as ranges of DICOM dates', () => {
  it.each([
    ['2024-02-29', { from: '20240229', to: '20240229' }],
    ['eq2024-02', { from: '20240201', to: '20240229' }],
    ['2023', { from: '20230101', to: '20231231' }],
    ['ge2024-03-01', { from: '20240301' }],
    ['le2024-03', { to: '20240331' }],
    ['gt2024-02-28', { from: '20240229' }],
    ['gt2023', { from: '20240101' }],
    ['lt2024-03-01', { to: '20240229' }],
  ])('%s', (value, range) => {
    expect(dateSearchRange('started', value)).toEqual(range);
  });

  it.each([
    ['sa2024-01-01', 'the prefix "sa" is not supported'],
    ['2024-02-30', 'is not a day of the calendar'],
    ['2024-13', 'has no month 13'],
    ['2024-01-01T10:00:00Z', 'this server compares days'],
    ['yesterday', 'the prefix "ye" is not supported'],
  ])('refuses %s', (value, message) => {
    expect(() => dateSearchRange('started', value)).toThrow(FhirError);
    expect(() => dateSearchRange('started', value)).toThrow(message);
  });
});

describe('DICOM dates and times as FHIR dateTime', () => {
  it('gives a time the zone of the data set, else the local zone, and a date without a valid time alone', () => {
    expect(fhirDateTime('20241122', '101530.25', '-0500', CET)).toBe('2024-11-22T10:15:30.25-05:00');
    expect(fhirDateTime('20241122', '1015', undefined, CET)).toBe('2024-11-22T10:15:00+01:00');
    expect(fhirDateTime('20241122', undefined, undefined, CET)).toBe('2024-11-22');
    expect(fhirDateTime('20241122', '2561', undefined, CET)).toBe('2024-11-22');
    expect(fhirDateTime('20241131', '1015', undefined, CET)).toBeUndefined();
  });

  it('reads a dateTime as the local date and time of the archive', () => {
    expect(localDateTime('2026-11-22T09:30:00Z', CET, 'x')).toEqual({ date: '20261122', time: '103000' });
    expect(localDateTime('2026-11-22T23:30:00-01:00', CET, 'x')).toEqual({ date: '20261123', time: '013000' });
    expect(localDateTime('2026-11-22', CET, 'x')).toEqual({ date: '20261122', time: '000000' });
    expect(() => localDateTime('2026-11-22T09:30:00', CET, 'ServiceRequest.occurrenceDateTime')).toThrow('ServiceRequest.occurrenceDateTime "2026-11-22T09:30:00" is not a dateTime of a day');
    expect(() => localDateTime('2026-02-30T09:30:00Z', CET, 'x')).toThrow('is not a valid dateTime');
  });
});
