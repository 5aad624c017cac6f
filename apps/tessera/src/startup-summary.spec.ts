import { loadConfig, type TesseraConfig } from '@tessera/config';
import { startupSummary } from './startup-summary';

describe('startupSummary', () => {
  const distributed = (roles: string): TesseraConfig =>
    loadConfig(
      { HTTP_HOST: '0.0.0.0', DIMSE_HOST: '0.0.0.0', MLLP_HOST: '0.0.0.0', TESSERA_ALLOW_INSECURE_REMOTE: 'true', OIDC_ISSUER: 'https://sso.example.org/realms/tessera', DATABASE_URL: 'postgres://tessera:secret@db:5432/tessera', BLOB_URL: 's3+http://k:s@s3:9000/tessera', BUS_URL: 'kafka://kafka:9092' },
      { roles },
    );
  const withTls = (config: TesseraConfig): TesseraConfig => ({ ...config, dimse: { ...config.dimse, tls: { ...config.dimse.tls, port: 2762, clientAuth: 'required' } } });

  it('names the DIMSE services of an index process, the query/retrieve endpoint, and its TLS port', () => {
    const lines = startupSummary(withTls(distributed('index')), {
      httpPort: 8080,
      dimsePort: 11112,
      dimseTlsPort: 2762,
      dimseServices: ['Query/Retrieve FIND SCP', 'Query/Retrieve MOVE SCP', 'Query/Retrieve GET SCP', 'Modality Worklist FIND SCP'],
      mllpPort: 0,
      mllpTlsPort: 0,
    });
    expect(lines).toEqual([
      'Tessera is running with roles: index',
      '  HTTP       http://0.0.0.0:8080  (health: /healthz, /readyz)',
      '  DICOMweb   http://0.0.0.0:8080/dicomweb',
      '  DIMSE      AE title TESSERA at 0.0.0.0:11112  (try: echoscu -aec TESSERA 0.0.0.0 11112)',
      '             Verification SCP, Query/Retrieve FIND SCP, Query/Retrieve MOVE SCP,',
      '             Query/Retrieve GET SCP, Modality Worklist FIND SCP',
      '  DICOM TLS  same AE title and services at 0.0.0.0:2762  (PS3.15 B.9, TLS 1.2 or later; client certificates: required)',
      '  Database   PostgreSQL',
      '  Objects    S3 bucket tessera at s3:9000',
      '  Events     Kafka at kafka:9092',
      '  Sign-in    bearer tokens from https://sso.example.org/realms/tessera (audience tessera) on every HTTP route',
    ]);
  });

  it('tells a storage endpoint apart, and shows no TLS line without a TLS listener', () => {
    const lines = startupSummary(distributed('ingest'), { httpPort: 8080, dimsePort: 11112, dimseTlsPort: 0, dimseServices: ['Storage SCP', 'Storage Commitment Push Model SCP', 'Modality Performed Procedure Step SCP'], mllpPort: 0, mllpTlsPort: 0 });
    expect(lines.filter((l) => l.startsWith('  DIMSE') || l.startsWith('             '))).toEqual([
      '  DIMSE      AE title TESSERA at 0.0.0.0:11112  (try: echoscu -aec TESSERA 0.0.0.0 11112)',
      '             Verification SCP, Storage SCP, Storage Commitment Push Model SCP,',
      '             Modality Performed Procedure Step SCP',
    ]);
    expect(lines.some((l) => l.includes('DICOM TLS'))).toBe(false);
  });

  it('shows no DIMSE lines for a process without a DIMSE listener', () => {
    const lines = startupSummary(withTls(distributed('storage')), { httpPort: 8080, dimsePort: 0, dimseTlsPort: 0, dimseServices: [], mllpPort: 0, mllpTlsPort: 0 });
    expect(lines.some((l) => l.includes('DIMSE') || l.includes('DICOM TLS') || l.includes('MLLP'))).toBe(false);
  });

  it('says where an hl7 process listens for MLLP, and its TLS port', () => {
    const config = distributed('hl7');
    const withMllpTls: TesseraConfig = { ...config, mllp: { ...config.mllp, host: '0.0.0.0', tls: { port: 2576, ca: 'PEM' } } };
    const lines = startupSummary(withMllpTls, { httpPort: 8080, dimsePort: 0, dimseTlsPort: 0, dimseServices: [], mllpPort: 2575, mllpTlsPort: 2576 });
    expect(lines.filter((l) => l.includes('MLLP'))).toEqual([
      '  HL7 MLLP   0.0.0.0:2575  (HL7 v2.3 to v2.5.1: ADT A01, A04, A08, A31, A40, A47; ORM^O01, OMI^O23)',
      '  MLLP TLS   0.0.0.0:2576  (TLS 1.2 or later; client certificates: required)',
    ]);
    expect(startupSummary(config, { httpPort: 8080, dimsePort: 0, dimseTlsPort: 0, dimseServices: [], mllpPort: 2575, mllpTlsPort: 0 }).filter((l) => l.includes('MLLP'))).toHaveLength(1);
  });
});
