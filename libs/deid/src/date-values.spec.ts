import { shiftDate, shiftDateTime } from './date-values';

describe('date shifting (Retain Longitudinal Temporal Information with Modified Dates, PS3.15 E.3.6)', () => {
  it('moves a DA value by whole days across month, year and leap-day boundaries', () => {
    expect(shiftDate('20240301', -1)).toBe('20240229');
    expect(shiftDate('20230101', -1)).toBe('20221231');
    expect(shiftDate('20231231', 1)).toBe('20240101');
    expect(shiftDate('1999.12.31', 1)).toBe('20000101');
  });

  it('refuses values that are not calendar dates', () => {
    expect(shiftDate('20230231', -3)).toBeUndefined();
    expect(shiftDate('2023', -3)).toBeUndefined();
    expect(shiftDate('ANONYMOUS', -3)).toBeUndefined();
  });

  it('moves the date part of a DT value and keeps its time of day, fraction, offset and precision', () => {
    expect(shiftDateTime('20240301123456.123456+0100', -1)).toBe('20240229123456.123456+0100');
    expect(shiftDateTime('20240301', -1)).toBe('20240229');
    expect(shiftDateTime('202403', -1)).toBe('202402');
    expect(shiftDateTime('2024', -1)).toBe('2023');
    expect(shiftDateTime('20240301xx', -1)).toBeUndefined();
  });
});
