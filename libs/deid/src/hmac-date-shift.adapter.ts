import { createHmac } from 'node:crypto';
import type { DateShiftSource } from './date-shift.port';

/**
 * A DateShiftSource that needs no storage: the offset is derived from HMAC-SHA-256 of the patient key
 * under the project's secret, a number of days back from 1 to maxDays (ten years by default), the same
 * for every file of that patient in the project.
 */
export class HmacDateShift implements DateShiftSource {
  constructor(
    private readonly secret: string | Buffer,
    private readonly maxDays = 3650,
  ) {
    if (secret.length < 16) throw new RangeError('A date shift secret needs at least 16 bytes');
    if (!Number.isInteger(maxDays) || maxDays < 1) throw new RangeError('maxDays must be a positive whole number');
  }

  async offsetDays(patientKey: string): Promise<number> {
    const digest = createHmac('sha256', this.secret).update(`date-shift:${patientKey}`, 'utf8').digest();
    return -(1 + (digest.readUInt32BE(0) % this.maxDays));
  }
}
