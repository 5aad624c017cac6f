import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the all-in-one defaults with no settings', () => {
    const config = loadConfig({}, { cwd: '/srv/tessera' });
    expect(config.roles).toEqual(['ingest', 'index', 'storage', 'routing', 'hl7', 'auth']);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '/srv/tessera/data/db' });
    expect(config.blob).toEqual({ kind: 'file', root: '/srv/tessera/data/blobs' });
    expect(config.bus).toEqual({ kind: 'memory' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, trustProxy: false });
    expect(loadConfig({ HTTP_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).http.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ HTTP_TRUST_PROXY: 'the gateway' })).toThrow(/HTTP_TRUST_PROXY/);
    expect(config.dimse).toMatchObject({ host: '127.0.0.1', port: 11112, aeTitle: 'TESSERA' });
    expect(config.aeTitles).toEqual({ TESSERA: 'default' });
  });

  it('chooses adapters by URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/tessera',
      BLOB_URL: 's3+http://key%2F1:secret@minio:9000/dicom',
      BUS_URL: 'kafka://k1:9092,k2:9092',
      TESSERA_ROLES: 'index,ingest',
    });
    expect(config.roles).toEqual(['ingest', 'index']);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/tessera' });
    expect(config.blob).toMatchObject({ kind: 's3', endPoint: 'minio', port: 9000, useSSL: false, bucket: 'dicom', accessKey: 'key/1', secretKey: 'secret' });
    expect(config.bus).toMatchObject({ kind: 'kafka', brokers: ['k1:9092', 'k2:9092'] });
  });

  it('names every bad key in one error, without echoing credentials', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ HTTP_PORT: 'eighty', BUS_URL: 'rabbit://x', DATABASE_URL: 'mysql://root:hunter2@x/db', BLOB_URL: 's3://host/b', DIMSE_AE_TITLE: 'A\\B', HTTP_HOST: '0.0.0.0', TESSERA_ROLES: 'ingest,viewer' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error?.message ?? '';
    for (const key of ['HTTP_PORT', 'BUS_URL', 'DATABASE_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'DIMSE_AE_TITLE', 'HTTP_HOST', 'TESSERA_ROLES']) expect(text).toContain(key);
    expect(text).not.toContain('hunter2');
  });

  it('maps AE titles to configured tenants only', () => {
    const config = loadConfig({ TESSERA_TENANTS: 'st-mary,general', DIMSE_AE_TITLES: 'MARY=st-mary,GEN=general' });
    expect(config.tenants).toEqual(['default', 'st-mary', 'general']);
    expect(config.aeTitles).toEqual({ MARY: 'st-mary', GEN: 'general', TESSERA: 'default' });
    expect(() => loadConfig({ DIMSE_AE_TITLES: 'X=nowhere' })).toThrow(/not in TESSERA_TENANTS/);
  });
});
