/**
 * The options of the Basic Application Level Confidentiality Profile (PS3.15 E.3) that this library
 * implements, named as the columns of Table E.1-1. Clean Pixel Data and Clean Recognizable Visual
 * Features (E.3.1, E.3.2) are not among them: pixel data passes through untouched.
 */
export const DeidOption = {
  RetainSafePrivate: 'retainSafePrivate',
  RetainUIDs: 'retainUIDs',
  RetainDeviceIdentity: 'retainDeviceIdentity',
  RetainInstitutionIdentity: 'retainInstitutionIdentity',
  RetainPatientCharacteristics: 'retainPatientCharacteristics',
  RetainLongitudinalFullDates: 'retainLongitudinalFullDates',
  RetainLongitudinalModifiedDates: 'retainLongitudinalModifiedDates',
  CleanDescriptors: 'cleanDescriptors',
  CleanStructuredContent: 'cleanStructuredContent',
  CleanGraphics: 'cleanGraphics',
} as const;
export type DeidOption = (typeof DeidOption)[keyof typeof DeidOption];

/** Every option, in the order of the columns of Table E.1-1. */
export const DEID_OPTIONS: readonly DeidOption[] = Object.values(DeidOption);

/** A coded entry of PS3.16 CID 7050 "De-identification Method" (coding scheme DCM). */
export interface DeidentificationMethodCode {
  readonly codeValue: string;
  readonly codeMeaning: string;
}

/** PS3.16 CID 7050 code of the Basic Application Confidentiality Profile itself. */
export const BASIC_PROFILE_CODE: DeidentificationMethodCode = { codeValue: '113100', codeMeaning: 'Basic Application Confidentiality Profile' };

/** PS3.16 CID 7050 code of each option, recorded in De-identification Method Code Sequence (0012,0064). */
export const OPTION_CODES: Readonly<Record<DeidOption, DeidentificationMethodCode>> = {
  cleanGraphics: { codeValue: '113103', codeMeaning: 'Clean Graphics Option' },
  cleanStructuredContent: { codeValue: '113104', codeMeaning: 'Clean Structured Content Option' },
  cleanDescriptors: { codeValue: '113105', codeMeaning: 'Clean Descriptors Option' },
  retainLongitudinalFullDates: { codeValue: '113106', codeMeaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  retainLongitudinalModifiedDates: { codeValue: '113107', codeMeaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  retainPatientCharacteristics: { codeValue: '113108', codeMeaning: 'Retain Patient Characteristics Option' },
  retainDeviceIdentity: { codeValue: '113109', codeMeaning: 'Retain Device Identity Option' },
  retainUIDs: { codeValue: '113110', codeMeaning: 'Retain UIDs Option' },
  retainSafePrivate: { codeValue: '113111', codeMeaning: 'Retain Safe Private Option' },
  retainInstitutionIdentity: { codeValue: '113112', codeMeaning: 'Retain Institution Identity Option' },
};
