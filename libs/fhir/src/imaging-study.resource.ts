import { numberValue, personNameValue, stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import { fhirDateTime, type LocalZone } from './dates';
import { Systems } from './identifiers';
import type { IndexedSeries, IndexedStudy } from './indexed';
import { displayName } from './patient.resource';
import type { Endpoint, Identifier, ImagingStudy, ImagingStudySeries } from './resources';

/** The one Endpoint of a tenant's FHIR API: its DICOMweb service (WADO-RS, QIDO-RS, STOW-RS). */
export const DICOMWEB_ENDPOINT_ID = 'dicomweb';

// Series Time (0008,0031).
const SERIES_TIME = 0x00080031;

/** The Endpoint through which the studies' instances are retrieved: the tenant's DICOMweb base URL. */
export function dicomwebEndpoint(address: string): Endpoint {
  return {
    resourceType: 'Endpoint',
    id: DICOMWEB_ENDPOINT_ID,
    status: 'active',
    connectionType: { system: Systems.EndpointConnectionType, code: 'dicom-wado-rs' },
    name: 'DICOMweb (WADO-RS, QIDO-RS, STOW-RS)',
    payloadType: [{ text: 'DICOM' }],
    payloadMimeType: ['application/dicom', 'application/dicom+json', 'multipart/related'],
    address,
  };
}

const text = (ds: DicomJsonDataset, tag: number): string | undefined => {
  const value = stringValue(ds, tagKey(tag))?.trim();
  return value ? value : undefined;
};

/** The identifiers of a study: its Study Instance UID and, when it has one, its Accession Number. */
export function studyIdentifiers(studyInstanceUID: string, accessionNumber: string | undefined): Identifier[] {
  return [
    { system: Systems.DicomUid, value: `urn:oid:${studyInstanceUID}` },
    ...(accessionNumber ? [{ type: { coding: [{ system: Systems.IdentifierType, code: 'ACSN' }] }, value: accessionNumber }] : []),
  ];
}

/**
 * The ImagingStudy (FHIR R4 12.3) of an indexed study: identifiers, modalities, subject, start,
 * referrer, counts and description, with every series and its instances, and the Endpoint that
 * retrieves them (DICOMweb, WADO-RS). The mapping follows R4's own DICOM mappings (12.3.4).
 */
export function imagingStudyResource(study: IndexedStudy, zone: LocalZone): ImagingStudy {
  const ds = study.attributes;
  const uid = text(ds, Tags.StudyInstanceUID) as string;
  const offset = text(ds, Tags.TimezoneOffsetFromUTC);
  const started = fhirDateTime(text(ds, Tags.StudyDate), text(ds, Tags.StudyTime), offset, zone);
  const referrer = displayName(personNameValue(ds, tagKey(Tags.ReferringPhysicianName))?.Alphabetic);
  const description = text(ds, Tags.StudyDescription);
  return {
    resourceType: 'ImagingStudy',
    id: uid,
    identifier: studyIdentifiers(uid, text(ds, Tags.AccessionNumber)),
    status: 'available',
    ...(study.modalitiesInStudy.length > 0 ? { modality: study.modalitiesInStudy.map((code) => ({ system: Systems.Dcm, code })) } : {}),
    subject: { reference: `Patient/${study.patientId}` },
    ...(started ? { started } : {}),
    ...(referrer ? { referrer: { display: referrer } } : {}),
    endpoint: [{ reference: `Endpoint/${DICOMWEB_ENDPOINT_ID}` }],
    numberOfSeries: study.numberOfSeries,
    numberOfInstances: study.numberOfInstances,
    ...(description ? { description } : {}),
    ...(study.series.length > 0 ? { series: study.series.map((s) => seriesOf(s, offset, zone)) } : {}),
  };
}

function seriesOf(series: IndexedSeries, offset: string | undefined, zone: LocalZone): ImagingStudySeries {
  const ds = series.attributes;
  const number = numberValue(ds, tagKey(Tags.SeriesNumber));
  const description = text(ds, Tags.SeriesDescription);
  const started = fhirDateTime(text(ds, Tags.SeriesDate), text(ds, SERIES_TIME), text(ds, Tags.TimezoneOffsetFromUTC) ?? offset, zone);
  return {
    uid: text(ds, Tags.SeriesInstanceUID) as string,
    // FHIR numbers series and instances with unsignedInt.
    ...(number !== undefined && Number.isInteger(number) && number >= 0 ? { number } : {}),
    // Modality is Type 1 (PS3.3 C.7.3.1); OT (other) for a series that lacks it anyway.
    modality: { system: Systems.Dcm, code: text(ds, Tags.Modality) ?? 'OT' },
    ...(description ? { description } : {}),
    numberOfInstances: series.numberOfInstances,
    ...(started ? { started } : {}),
    ...(series.instances.length > 0
      ? {
          instance: series.instances.map((i) => ({
            uid: i.sopInstanceUID,
            sopClass: { system: Systems.Uri, code: `urn:oid:${i.sopClassUID}` },
            ...(i.instanceNumber !== undefined && i.instanceNumber >= 0 ? { number: i.instanceNumber } : {}),
          })),
        }
      : {}),
  };
}
