import { Tags } from '../tag';
import { inDateTimeRange, type RangeKey } from './date-time-range';
import { matchKey } from './query-model';

const dates = (value: string) => matchKey(Tags.StudyDate, 'DA', value) as RangeKey;
const times = (value: string) => matchKey(Tags.StudyTime, 'TM', value) as RangeKey;

describe('combined date-time range matching (PS3.4 C.2.2.2.5)', () => {
  it('spans from the lower date and time to the upper date and time, across midnight', () => {
    // A night shift: 22:00 on the 1st to 06:00 on the 2nd. Matched separately, 2200-0600 matches no time at all.
    const night = [dates('20240301-20240302'), times('2200-0600')] as const;
    expect(inDateTimeRange('20240301', '230000', ...night)).toBe(true);
    expect(inDateTimeRange('20240302', '0530', ...night)).toBe(true);
    expect(inDateTimeRange('20240301', '2159', ...night)).toBe(false);
    expect(inDateTimeRange('20240302', '0601', ...night)).toBe(false);
    expect(inDateTimeRange('20240301', '120000', ...night)).toBe(false);
  });

  it('includes what an upper bound leaves unspecified, and runs to the end of a day without an upper time', () => {
    expect(inDateTimeRange('20240302', '060059.999', dates('20240301-20240302'), times('2200-0600'))).toBe(true);
    expect(inDateTimeRange('20240302', '235959', dates('20240301-20240302'), times('2200-'))).toBe(true);
    expect(inDateTimeRange('20240301', '000000', dates('20240301-20240302'), times('-0600'))).toBe(true);
  });

  it('leaves an end open when it has no date, and does not match a value without a date', () => {
    expect(inDateTimeRange('20991231', '2359', dates('20240301-'), times('0800-1200'))).toBe(true);
    expect(inDateTimeRange('20240301', '0759', dates('20240301-'), times('0800-1200'))).toBe(false);
    expect(inDateTimeRange('19000101', '0000', dates('-20240301'), times('0800-1200'))).toBe(true);
    expect(inDateTimeRange('20240301', '1201', dates('-20240301'), times('0800-1200'))).toBe(false);
    expect(inDateTimeRange(undefined, '0900', dates('20240301-20240302'), times('0800-1200'))).toBe(false);
  });
});
