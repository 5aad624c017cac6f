import type { DicomJsonDataset } from '../json/dicom-json';
import { tagKey, Tags, type Tag } from '../tag';

// Patient Study Module (PS3.3 C.7.2.2): group 0010 attributes that describe the patient at the time
// of one study, so they belong to the study, not the patient.
const PATIENT_STUDY_TAGS: readonly Tag[] = [0x00101010, 0x00101020, 0x00101022, 0x00101023, 0x00101024, 0x00101030, 0x00102180, 0x001021b0, 0x001021c0, 0x00102203, 0x00380010, 0x00380014, 0x00380060, 0x00380062, 0x00380064, 0x00380500, 0x00400600];

// General Study Module (PS3.3 C.7.2.1) and study-level keys of PS3.4 C.6.1.1.3.
const STUDY_TAGS: readonly Tag[] = [
  Tags.StudyDate,
  Tags.StudyTime,
  Tags.AccessionNumber,
  0x00080051, // IssuerOfAccessionNumberSequence
  Tags.ReferringPhysicianName,
  0x00080096, // ReferringPhysicianIdentificationSequence
  Tags.StudyDescription,
  0x00081032, // ProcedureCodeSequence
  0x00081048, // PhysiciansOfRecord
  0x00081060, // NameOfPhysiciansReadingStudy
  0x00081080, // AdmittingDiagnosesDescription
  0x00081110, // ReferencedStudySequence
  Tags.StudyInstanceUID,
  Tags.StudyID,
  0x00321032, // RequestingPhysician
  0x00321060, // RequestedProcedureDescription
  0x00321064, // RequestedProcedureCodeSequence
  ...PATIENT_STUDY_TAGS,
];

// General Series, General Equipment and Frame of Reference modules (PS3.3 C.7.3.1, C.7.5.1, C.7.4.1).
const SERIES_TAGS: readonly Tag[] = [
  Tags.SeriesDate,
  0x00080031, // SeriesTime
  Tags.Modality,
  Tags.SeriesDescription,
  0x00080070, // Manufacturer
  0x00080080, // InstitutionName
  0x00081010, // StationName
  0x00081040, // InstitutionalDepartmentName
  0x00081050, // PerformingPhysicianName
  0x00081070, // OperatorsName
  0x00081090, // ManufacturerModelName
  0x00081111, // ReferencedPerformedProcedureStepSequence
  0x00180015, // BodyPartExamined
  0x00181000, // DeviceSerialNumber
  0x00181020, // SoftwareVersions
  0x00181030, // ProtocolName
  0x00185100, // PatientPosition
  Tags.SeriesInstanceUID,
  Tags.SeriesNumber,
  0x00200052, // FrameOfReferenceUID
  0x00200060, // Laterality
  Tags.PerformedProcedureStepStartDate,
  Tags.PerformedProcedureStepStartTime,
  0x00400253, // PerformedProcedureStepID
  0x00400254, // PerformedProcedureStepDescription
  Tags.RequestAttributesSequence,
];

// Present at every level: how the text is encoded and the time zone the values are in.
const EVERY_LEVEL: readonly Tag[] = [Tags.SpecificCharacterSet, Tags.TimezoneOffsetFromUTC];

const STUDY_KEYS = new Set([...STUDY_TAGS, ...EVERY_LEVEL].map(tagKey));
const SERIES_KEYS = new Set([...SERIES_TAGS, ...EVERY_LEVEL].map(tagKey));
const PATIENT_STUDY_KEYS = new Set(PATIENT_STUDY_TAGS.map(tagKey));

/** The level an attribute belongs to in the Study Root information model (PS3.4 C.6.2). */
export function levelOfTag(tag: Tag): 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE' {
  const key = tagKey(tag);
  if (key.startsWith('0010') && !PATIENT_STUDY_KEYS.has(key)) return 'PATIENT';
  if (tag === Tags.NumberOfPatientRelatedStudies || tag === Tags.NumberOfPatientRelatedSeries || tag === Tags.NumberOfPatientRelatedInstances) return 'PATIENT';
  if (STUDY_KEYS.has(key) || tag === Tags.ModalitiesInStudy || tag === Tags.SOPClassesInStudy || tag === Tags.NumberOfStudyRelatedSeries || tag === Tags.NumberOfStudyRelatedInstances) return 'STUDY';
  if (SERIES_KEYS.has(key) || tag === Tags.NumberOfSeriesRelatedInstances) return 'SERIES';
  return 'IMAGE';
}

/**
 * A data set (a study, a worklist item, an instance's metadata) with its patient-level attributes
 * replaced by the patient's current ones: those it has and the patient lacks are dropped, its other
 * attributes stay. Keys in ascending tag order (PS3.18 F.2.1.1).
 */
export function withPatientAttributes(dataset: DicomJsonDataset, patient: DicomJsonDataset): DicomJsonDataset {
  const own = Object.entries(dataset).filter(([key]) => !isPatientKey(key));
  const current = Object.entries(patient).filter(([key]) => isPatientKey(key));
  return Object.fromEntries([...own, ...current].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// Patient-level attributes of an instance are group 0010 but the Patient Study Module's (the same test as splitByLevel).
function isPatientKey(key: string): boolean {
  return key.startsWith('0010') && !PATIENT_STUDY_KEYS.has(key);
}

/** An instance's attributes split into what describes its patient, study and series. */
export interface LevelAttributes {
  readonly patient: DicomJsonDataset;
  /** Patient and study attributes together: what a study-level query returns. */
  readonly study: DicomJsonDataset;
  readonly series: DicomJsonDataset;
}

/** Splits an instance's top-level attributes by level (the instance keeps all of them). */
export function splitByLevel(instance: DicomJsonDataset): LevelAttributes {
  const patient: DicomJsonDataset = {};
  const study: DicomJsonDataset = {};
  const series: DicomJsonDataset = {};
  for (const [key, element] of Object.entries(instance)) {
    if (EVERY_LEVEL.some((t) => tagKey(t) === key)) {
      study[key] = element;
      series[key] = element;
      continue;
    }
    if (key.startsWith('0010') && !PATIENT_STUDY_KEYS.has(key)) {
      patient[key] = element;
      study[key] = element;
    } else if (STUDY_KEYS.has(key)) {
      study[key] = element;
    } else if (SERIES_KEYS.has(key)) {
      series[key] = element;
    }
  }
  return { patient, study, series };
}
