/** A DICOM attribute tag as an unsigned 32-bit number: group << 16 | element (PS3.5 7.1). */
export type Tag = number;

/** Builds a tag from its group and element numbers. */
export function tagOf(group: number, element: number): Tag {
  return ((group << 16) | element) >>> 0;
}

/** The group number of a tag. */
export function groupOf(tag: Tag): number {
  return tag >>> 16;
}

/** The element number of a tag. */
export function elementOf(tag: Tag): number {
  return tag & 0xffff;
}

/** "GGGGEEEE", upper-case hex: the key form of PS3.18 F.2 (DICOM JSON). */
export function tagKey(tag: Tag): string {
  return tag.toString(16).toUpperCase().padStart(8, '0');
}

/** "(GGGG,EEEE)": the form used in messages for people. */
export function tagLabel(tag: Tag): string {
  const key = tagKey(tag);
  return `(${key.slice(0, 4)},${key.slice(4)})`;
}

/** Parses "GGGGEEEE" (the DICOM JSON key form); undefined when it is not 8 hex digits. */
export function parseTagKey(key: string): Tag | undefined {
  return /^[0-9A-Fa-f]{8}$/.test(key) ? Number.parseInt(key, 16) >>> 0 : undefined;
}

/** True for a private data element: odd group numbers other than 0001, 0003, 0005, 0007, FFFF (PS3.5 7.8). */
export function isPrivateTag(tag: Tag): boolean {
  const group = groupOf(tag);
  return group % 2 === 1 && group > 0x0007 && group !== 0xffff;
}

/** True for a Private Creator element (gggg,0010-00FF) of a private group (PS3.5 7.8.1). */
export function isPrivateCreator(tag: Tag): boolean {
  const element = elementOf(tag);
  return isPrivateTag(tag) && element >= 0x0010 && element <= 0x00ff;
}

/** The tags that the core itself refers to, by their PS3.6 keyword. */
export const Tags = {
  FileMetaInformationGroupLength: 0x00020000,
  FileMetaInformationVersion: 0x00020001,
  MediaStorageSOPClassUID: 0x00020002,
  MediaStorageSOPInstanceUID: 0x00020003,
  TransferSyntaxUID: 0x00020010,
  ImplementationClassUID: 0x00020012,
  ImplementationVersionName: 0x00020013,
  SourceApplicationEntityTitle: 0x00020016,
  SpecificCharacterSet: 0x00080005,
  SOPClassUID: 0x00080016,
  SOPInstanceUID: 0x00080018,
  StudyDate: 0x00080020,
  SeriesDate: 0x00080021,
  StudyTime: 0x00080030,
  AccessionNumber: 0x00080050,
  Modality: 0x00080060,
  ModalitiesInStudy: 0x00080061,
  SOPClassesInStudy: 0x00080062,
  ReferringPhysicianName: 0x00080090,
  RetrieveURL: 0x00081190,
  StudyDescription: 0x00081030,
  QueryRetrieveLevel: 0x00080052,
  RetrieveAETitle: 0x00080054,
  FailedSOPInstanceUIDList: 0x00080058,
  SeriesDescription: 0x0008103e,
  FailedSOPSequence: 0x00081198,
  FailureReason: 0x00081197,
  ReferencedSOPSequence: 0x00081199,
  ReferencedSOPClassUID: 0x00081150,
  ReferencedSOPInstanceUID: 0x00081155,
  WarningReason: 0x00081196,
  InstanceAvailability: 0x00080056,
  AvailableTransferSyntaxUID: 0x00083002,
  TimezoneOffsetFromUTC: 0x00080201,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  IssuerOfPatientID: 0x00100021,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  StudyID: 0x00200010,
  SeriesNumber: 0x00200011,
  InstanceNumber: 0x00200013,
  NumberOfPatientRelatedStudies: 0x00201200,
  NumberOfPatientRelatedSeries: 0x00201202,
  NumberOfPatientRelatedInstances: 0x00201204,
  NumberOfStudyRelatedSeries: 0x00201206,
  NumberOfStudyRelatedInstances: 0x00201208,
  NumberOfSeriesRelatedInstances: 0x00201209,
  NumberOfFrames: 0x00280008,
  Rows: 0x00280010,
  Columns: 0x00280011,
  BitsAllocated: 0x00280100,
  PixelRepresentation: 0x00280103,
  PerformedProcedureStepStartDate: 0x00400244,
  PerformedProcedureStepStartTime: 0x00400245,
  RequestAttributesSequence: 0x00400275,
  ScheduledProcedureStepID: 0x00400009,
  RequestedProcedureID: 0x00401001,
  PixelData: 0x7fe00010,
  FloatPixelData: 0x7fe00008,
  DoubleFloatPixelData: 0x7fe00009,
  Item: 0xfffee000,
  ItemDelimitationItem: 0xfffee00d,
  SequenceDelimitationItem: 0xfffee0dd,
} as const satisfies Record<string, Tag>;
