import { searchBundle } from './bundle';
import { FhirError } from './fhir-error';
import { IMAGING_STUDY_SEARCH, PATIENT_SEARCH, patientCriteria, readSearch, studyCriteria } from './search';

const q = (query: string): [string, string][] => [...new URLSearchParams(query).entries()];

describe('reading a search', () => {
  it('groups repeated parameters (all must match) of comma-separated alternatives (any may match)', () => {
    const request = readSearch(PATIENT_SEARCH, q('family=Smith,Jones&family=Sm&given=a\\,b&_count=5&_offset=10&_format=json'));
    expect(request.values.get('family')).toEqual([['Smith', 'Jones'], ['Sm']]);
    expect(request.values.get('given')).toEqual([['a,b']]);
    expect(request.page).toEqual({ offset: 10, count: 5 });
    expect(request.params).toEqual([['family', 'Smith,Jones'], ['family', 'Sm'], ['given', 'a\\,b']]);
  });

  it('caps _count at 100 and defaults it to 20', () => {
    expect(readSearch(PATIENT_SEARCH, q('_count=5000')).page.count).toBe(100);
    expect(readSearch(PATIENT_SEARCH, []).page).toEqual({ offset: 0, count: 20 });
  });

  it.each([
    ['address=Main', 'the search parameter "address" is not supported'],
    ['name:exact=Smith', 'the modifier ":exact" of "name" is not supported'],
    ['_count=-1', '_count must be a whole number'],
    ['_offset=x', '_offset must be a whole number'],
    ['_sort=name', 'the search parameter "_sort" is not supported'],
    ['name=', 'an empty value matches nothing'],
  ])('refuses %s (strict handling)', (query, message) => {
    expect(() => readSearch(PATIENT_SEARCH, q(query))).toThrow(FhirError);
    expect(() => readSearch(PATIENT_SEARCH, q(query))).toThrow(message);
  });
});

describe('Patient search criteria', () => {
  it('reads identifiers with and without a system, names, birth dates and genders', () => {
    const criteria = patientCriteria(readSearch(PATIENT_SEARCH, q('identifier=urn:oid:1.2.3|P1,|P2,P3&name=SMI&birthdate=ge1970&gender=female,http://hl7.org/fhir/administrative-gender|unknown&_id=7')));
    expect(criteria).toEqual({
      ids: [['7']],
      identifiers: [[{ patientID: 'P1', issuerOfPatientID: '1.2.3' }, { patientID: 'P2', issuerOfPatientID: '' }, { patientID: 'P3' }]],
      names: [['smi']],
      birthDates: [[{ from: '19700101' }]],
      sexes: [['F', '']],
    });
  });

  it('refuses a gender outside administrative-gender', () => {
    expect(() => patientCriteria(readSearch(PATIENT_SEARCH, q('gender=F')))).toThrow('gender "F" is not one of male, female, other, unknown');
  });
});

describe('ImagingStudy search criteria', () => {
  it('tells Study Instance UIDs from Accession Numbers, and reads patient references and modalities', () => {
    const criteria = studyCriteria(
      readSearch(IMAGING_STUDY_SEARCH, q('identifier=urn:dicom:uid|urn:oid:1.2.3,urn:oid:4.5,ACC-1,|ACC-2,http://other|X&patient=Patient/12&patient=http://h/fhir/Patient/13&modality=CT,http://dicom.nema.org/resources/ontology/DCM|MR&started=lt2024')),
    );
    expect(criteria).toEqual({
      identifiers: [[{ kind: 'uid', value: '1.2.3' }, { kind: 'uid', value: '4.5' }, { kind: 'accession', value: 'ACC-1' }, { kind: 'accession', value: 'ACC-2' }, { kind: 'none' }]],
      patients: [['12'], ['13']],
      modalities: [['CT', 'MR']],
      dates: [[{ to: '20231231' }]],
    });
  });

  it.each([
    ['patient=Practitioner/1', 'is not a reference to a Patient'],
    ['modality=http://loinc.org|CT', 'modalities are codes of http://dicom.nema.org/resources/ontology/DCM'],
    ['started=ap2024', 'the prefix "ap" is not supported'],
  ])('refuses %s', (query, message) => {
    expect(() => studyCriteria(readSearch(IMAGING_STUDY_SEARCH, q(query)))).toThrow(message);
  });
});

describe('search Bundles', () => {
  it('link to this page and the ones beside it, with the criteria', () => {
    const request = readSearch(PATIENT_SEARCH, q('family=Smith&_count=2&_offset=2'));
    const bundle = searchBundle('http://h/fhir', 'Patient', request, [{ resourceType: 'Patient', id: '3' }], 5);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5, entry: [{ fullUrl: 'http://h/fhir/Patient/3', resource: { id: '3' }, search: { mode: 'match' } }] });
    expect(bundle.link).toEqual([
      { relation: 'self', url: 'http://h/fhir/Patient?family=Smith&_count=2&_offset=2' },
      { relation: 'previous', url: 'http://h/fhir/Patient?family=Smith&_count=2&_offset=0' },
      { relation: 'next', url: 'http://h/fhir/Patient?family=Smith&_count=2&_offset=4' },
    ]);
    const last = searchBundle('http://h/fhir', 'Patient', readSearch(PATIENT_SEARCH, q('_count=2&_offset=4')), [], 5);
    expect(last.link.map((l) => l.relation)).toEqual(['self', 'previous']);
    expect(last).not.toHaveProperty('entry');
  });
});
