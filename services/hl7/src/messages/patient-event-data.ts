import { personNameValue, stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';

/** The demographics an event carries, from a patient's attributes. */
export function demographicsOf(attributes: DicomJsonDataset): { patientName?: string; patientBirthDate?: string; patientSex?: string } {
  const name = personNameValue(attributes, tagKey(Tags.PatientName))?.Alphabetic;
  const birthDate = stringValue(attributes, tagKey(Tags.PatientBirthDate));
  const sex = stringValue(attributes, tagKey(Tags.PatientSex));
  return { ...(name ? { patientName: name } : {}), ...(birthDate ? { patientBirthDate: birthDate } : {}), ...(sex ? { patientSex: sex } : {}) };
}
