import type { DicomJsonDataset } from '@tessera/dicom';
import type { LocalZone } from './dates';
import { dicomwebEndpoint, imagingStudyResource } from './imaging-study.resource';
import { humanName, patientResource } from './patient.resource';

const UTC: LocalZone = { offsetAt: () => '+00:00', local: (m) => ({ date: m.toISOString().slice(0, 10).replace(/-/g, ''), time: m.toISOString().slice(11, 19).replace(/:/g, '') }) };
const v = (vr: string, value: unknown): DicomJsonDataset[string] => ({ vr: vr as 'LO', Value: [value] });

describe('Patient from the index', () => {
  const attributes: DicomJsonDataset = {
    '00100010': v('PN', { Alphabetic: 'Everyman^Adam Bede^James^Dr.^Jr.' }),
    '00100020': v('LO', 'P-1'),
    '00100021': v('LO', 'HOSP'),
    '00100030': v('DA', '19610615'),
    '00100040': v('CS', 'M'),
  };

  it('maps identity, name, sex and birth date (PS3.4 C.6.1.1.2)', () => {
    expect(patientResource({ id: '7', patientID: 'P-1', issuerOfPatientID: 'HOSP', attributes })).toEqual({
      resourceType: 'Patient',
      id: '7',
      identifier: [{ system: 'urn:tessera:issuer:HOSP', value: 'P-1' }],
      active: true,
      name: [{ family: 'Everyman', given: ['Adam', 'Bede', 'James'], prefix: ['Dr.'], suffix: ['Jr.'] }],
      gender: 'male',
      birthDate: '1961-06-15',
    });
  });

  it('makes a merged patient inactive, replaced by its survivor', () => {
    expect(patientResource({ id: '8', patientID: 'P-2', issuerOfPatientID: '', attributes: {}, mergedIntoId: '7' })).toEqual({
      resourceType: 'Patient',
      id: '8',
      identifier: [{ value: 'P-2' }],
      active: false,
      link: [{ other: { reference: 'Patient/7' }, type: 'replaced-by' }],
    });
  });

  it('leaves out what DICOM leaves empty', () => {
    expect(humanName('^^^^')).toBeUndefined();
    expect(humanName('Family')).toEqual({ family: 'Family' });
  });
});

describe('ImagingStudy from the index', () => {
  it('has identifiers, modalities, subject, start, counts, series and instances, and the DICOMweb Endpoint', () => {
    const study = imagingStudyResource(
      {
        patientId: '7',
        attributes: {
          '00080020': v('DA', '20241122'),
          '00080030': v('TM', '101530'),
          '00080050': v('SH', 'ACC-1'),
          '00080090': v('PN', { Alphabetic: 'Doctor^Referring' }),
          '00081030': v('LO', 'CT chest'),
          '0020000D': v('UI', '1.2.3'),
        },
        modalitiesInStudy: ['CT', 'SR'],
        numberOfSeries: 2,
        numberOfInstances: 3,
        series: [
          { attributes: { '00080060': v('CS', 'CT'), '0020000E': v('UI', '1.2.3.1'), '00200011': v('IS', 2), '0008103E': v('LO', 'Axial') }, numberOfInstances: 2, instances: [{ sopInstanceUID: '1.2.3.1.1', sopClassUID: '1.2.840.10008.5.1.4.1.1.2', instanceNumber: 1 }, { sopInstanceUID: '1.2.3.1.2', sopClassUID: '1.2.840.10008.5.1.4.1.1.2' }] },
          { attributes: { '0020000E': v('UI', '1.2.3.2'), '00200011': v('IS', -1) }, numberOfInstances: 1, instances: [] },
        ],
      },
      UTC,
    );
    expect(study).toEqual({
      resourceType: 'ImagingStudy',
      id: '1.2.3',
      identifier: [
        { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' },
        { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: 'ACC-1' },
      ],
      status: 'available',
      modality: [
        { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
        { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'SR' },
      ],
      subject: { reference: 'Patient/7' },
      started: '2024-11-22T10:15:30+00:00',
      referrer: { display: 'Referring Doctor' },
      endpoint: [{ reference: 'Endpoint/dicomweb' }],
      numberOfSeries: 2,
      numberOfInstances: 3,
      description: 'CT chest',
      series: [
        {
          uid: '1.2.3.1',
          number: 2,
          modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
          description: 'Axial',
          numberOfInstances: 2,
          instance: [
            { uid: '1.2.3.1.1', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' }, number: 1 },
            { uid: '1.2.3.1.2', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' } },
          ],
        },
        // No Modality, and a negative Series Number, which FHIR's unsignedInt cannot hold.
        { uid: '1.2.3.2', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'OT' }, numberOfInstances: 1 },
      ],
    });
  });

  it('has an Endpoint with the tenant’s DICOMweb address', () => {
    expect(dicomwebEndpoint('http://h/tenants/a/dicomweb')).toMatchObject({ resourceType: 'Endpoint', id: 'dicomweb', status: 'active', connectionType: { code: 'dicom-wado-rs' }, address: 'http://h/tenants/a/dicomweb' });
  });
});
