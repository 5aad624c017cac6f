import { randomInt } from 'node:crypto';
import type { DateShiftSource } from './date-shift.port';

/** The in-memory twin of a stored per-patient offset table: a random offset per patient, remembered (or given). */
export class MemoryDateShift implements DateShiftSource {
  private readonly offsets: Map<string, number>;

  constructor(
    offsets: Iterable<readonly [string, number]> = [],
    private readonly maxDays = 3650,
  ) {
    this.offsets = new Map(offsets);
  }

  async offsetDays(patientKey: string): Promise<number> {
    let days = this.offsets.get(patientKey);
    if (days === undefined) {
      days = -randomInt(1, this.maxDays + 1);
      this.offsets.set(patientKey, days);
    }
    return days;
  }
}
