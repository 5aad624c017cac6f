import { HmacDateShift } from './hmac-date-shift.adapter';
import { MemoryDateShift } from './memory-date-shift.adapter';

const SECRET = 'project-secret-of-32-characters!';

describe('date shift sources', () => {
  it('HmacDateShift gives each patient one offset back in time, within its range, the same in every instance', async () => {
    const shift = new HmacDateShift(SECRET, 365);
    const offsets = await Promise.all(Array.from({ length: 50 }, (_, i) => shift.offsetDays(`patient:|P${i}`)));
    for (const days of offsets) {
      expect(Number.isInteger(days)).toBe(true);
      expect(days).toBeLessThanOrEqual(-1);
      expect(days).toBeGreaterThanOrEqual(-365);
    }
    expect(new Set(offsets).size).toBeGreaterThan(1);
    expect(await new HmacDateShift(SECRET, 365).offsetDays('patient:|P7')).toBe(offsets[7]);
  });

  it('MemoryDateShift keeps given offsets and remembers the ones it draws', async () => {
    const shift = new MemoryDateShift([['a', -3]]);
    expect(await shift.offsetDays('a')).toBe(-3);
    const drawn = await shift.offsetDays('b');
    expect(drawn).toBeLessThan(0);
    expect(await shift.offsetDays('b')).toBe(drawn);
  });
});
