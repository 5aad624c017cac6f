import { tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import type { PatientRecord, SeriesRecord, StudyRecord } from '@tessera/index-store';

// What a match offers at each level: its own attributes, those of the levels above, and the
// attributes computed over the levels below (PS3.4 C.6.1.1.2-C.6.1.1.5).

export function patientAvailable(p: PatientRecord): DicomJsonDataset {
  return {
    ...p.attributes,
    [tagKey(Tags.NumberOfPatientRelatedStudies)]: { vr: 'IS', Value: [p.numberOfStudies] },
    [tagKey(Tags.NumberOfPatientRelatedSeries)]: { vr: 'IS', Value: [p.numberOfSeries] },
    [tagKey(Tags.NumberOfPatientRelatedInstances)]: { vr: 'IS', Value: [p.numberOfInstances] },
  };
}

export function studyAvailable(s: StudyRecord): DicomJsonDataset {
  return {
    ...s.attributes,
    [tagKey(Tags.ModalitiesInStudy)]: { vr: 'CS', Value: [...s.modalitiesInStudy] },
    [tagKey(Tags.SOPClassesInStudy)]: { vr: 'UI', Value: [...s.sopClassesInStudy] },
    [tagKey(Tags.NumberOfStudyRelatedSeries)]: { vr: 'IS', Value: [s.numberOfSeries] },
    [tagKey(Tags.NumberOfStudyRelatedInstances)]: { vr: 'IS', Value: [s.numberOfInstances] },
    [tagKey(Tags.InstanceAvailability)]: { vr: 'CS', Value: ['ONLINE'] },
  };
}

export function seriesAvailable(s: SeriesRecord): DicomJsonDataset {
  return { ...studyAvailable(s.study), ...s.attributes, [tagKey(Tags.NumberOfSeriesRelatedInstances)]: { vr: 'IS', Value: [s.numberOfInstances] } };
}
