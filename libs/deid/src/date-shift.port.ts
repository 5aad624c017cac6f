/**
 * The per-patient offset of the Retain Longitudinal Temporal Information with Modified Dates Option
 * (PS3.15 E.3.6): every date of one patient moves by the same number of days, so intervals between
 * studies survive while the real dates do not.
 */
export interface DateShiftSource {
  /** The whole number of days (never 0) by which the dates of this patient are moved. */
  offsetDays(patientKey: string): Promise<number>;
}
