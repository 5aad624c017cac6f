import { accessionOfServiceRequestId, issuerOfSystem, issuerSystem, isFhirId, serviceRequestId } from './identifiers';

describe('identifier systems of Issuers of Patient ID', () => {
  it.each([
    ['', undefined],
    ['1.2.840.113619.6', 'urn:oid:1.2.840.113619.6'],
    ['https://hospital.example/mrn', 'https://hospital.example/mrn'],
    ['HOSP A', 'urn:tessera:issuer:HOSP%20A'],
  ])('%j -> %j, and back', (issuer, system) => {
    expect(issuerSystem(issuer)).toBe(system);
    if (system !== undefined) expect(issuerOfSystem(system)).toBe(issuer);
  });
});

describe('ServiceRequest ids of Accession Numbers', () => {
  it.each([['ACC-1'], ['ACC_1'], ['A.B/C'], ['Öre 16 chars']])('%j reads back from its id', (accession) => {
    const id = serviceRequestId(accession);
    expect(isFhirId(id)).toBe(true);
    expect(accessionOfServiceRequestId(id)).toBe(accession);
  });

  it('keeps a plain accession number as it is and writes "_" and "." in hexadecimal', () => {
    expect(serviceRequestId('ACC-1')).toBe('ACC-1');
    expect(serviceRequestId('ACC_1')).toBe('ACC.5F1');
    expect(serviceRequestId('\\'.repeat(16)).length).toBe(48);
  });

  it('reads no accession number from an id it would not write', () => {
    expect(accessionOfServiceRequestId('ACC.5f1')).toBeUndefined();
    expect(accessionOfServiceRequestId('A.')).toBeUndefined();
    expect(accessionOfServiceRequestId('.41')).toBeUndefined();
  });
});
