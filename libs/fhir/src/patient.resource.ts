import { personNameValue, stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import { fhirDate } from './dates';
import { issuerSystem } from './identifiers';
import type { IndexedPatient } from './indexed';
import type { HumanName, Patient } from './resources';

const GENDERS: Readonly<Record<string, Patient['gender']>> = { M: 'male', F: 'female', O: 'other' };

/**
 * A DICOM person name's alphabetic group (PS3.5 6.2.1: family^given^middle^prefix^suffix) as a FHIR
 * HumanName: given and middle names are both `given` (FHIR R4 HumanName.given), in order.
 */
export function humanName(dicom: string | undefined): HumanName | undefined {
  if (dicom === undefined || dicom.replace(/\^/g, '').trim() === '') return undefined;
  const [family, given, middle, prefix, suffix] = dicom.split('^').map((part) => part.trim());
  const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter(Boolean);
  const givens = [...words(given), ...words(middle)];
  return {
    ...(family ? { family } : {}),
    ...(givens.length > 0 ? { given: givens } : {}),
    ...(words(prefix).length > 0 ? { prefix: words(prefix) } : {}),
    ...(words(suffix).length > 0 ? { suffix: words(suffix) } : {}),
  };
}

/** A readable form of a DICOM person name, "Given Middle Family". */
export function displayName(dicom: string | undefined): string | undefined {
  const name = humanName(dicom);
  if (!name) return undefined;
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? '', ...(name.suffix ?? [])].filter(Boolean).join(' ');
}

/**
 * The Patient resource of a patient of the index: Patient ID with the system of its issuer, name,
 * sex and birth date (PS3.4 C.6.1.1.2). A patient merged into another (ADT^A40) stays readable, is
 * inactive, and links to its survivor (FHIR R4 Patient.link "replaced-by", 8.1.1.2 merging).
 */
export function patientResource(patient: IndexedPatient): Patient {
  const ds: DicomJsonDataset = patient.attributes;
  const system = issuerSystem(patient.issuerOfPatientID);
  const name = humanName(personNameValue(ds, tagKey(Tags.PatientName))?.Alphabetic);
  const gender = GENDERS[stringValue(ds, tagKey(Tags.PatientSex)) ?? ''];
  const birthDate = fhirDate(stringValue(ds, tagKey(Tags.PatientBirthDate)));
  return {
    resourceType: 'Patient',
    id: patient.id,
    identifier: [{ ...(system ? { system } : {}), value: patient.patientID }],
    active: patient.mergedIntoId === undefined,
    ...(name ? { name: [name] } : {}),
    ...(gender ? { gender } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(patient.mergedIntoId !== undefined ? { link: [{ other: { reference: `Patient/${patient.mergedIntoId}` }, type: 'replaced-by' as const }] } : {}),
  };
}
