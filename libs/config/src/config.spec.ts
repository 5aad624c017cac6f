import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the all-in-one defaults with no settings', () => {
    const config = loadConfig({}, { cwd: '/srv/tessera' });
    expect(config.roles).toEqual(['ingest', 'index', 'storage', 'routing', 'hl7', 'auth']);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '/srv/tessera/data/db' });
    expect(config.blob).toEqual({ kind: 'file', root: '/srv/tessera/data/blobs' });
    expect(config.bus).toEqual({ kind: 'memory' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, trustProxy: false, corsOrigins: [], compression: true });
    expect(loadConfig({ HTTP_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).http.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(() => loadConfig({ HTTP_TRUST_PROXY: 'the gateway' })).toThrow(/HTTP_TRUST_PROXY/);
    // CORS is off unless origins are named (secure by default); compression is on unless turned off.
    expect(loadConfig({ HTTP_CORS_ORIGINS: 'https://viewer.example.org, http://LOCALHOST:3000' }).http.corsOrigins).toEqual(['https://viewer.example.org', 'http://localhost:3000']);
    expect(loadConfig({ HTTP_CORS_ORIGINS: '*' }).http.corsOrigins).toBe('*');
    expect(() => loadConfig({ HTTP_CORS_ORIGINS: 'https://viewer.example.org/app' })).toThrow(/HTTP_CORS_ORIGINS/);
    expect(loadConfig({ HTTP_COMPRESSION: 'false' }).http.compression).toBe(false);
    expect(config.dimse).toMatchObject({ host: '127.0.0.1', port: 11112, aeTitle: 'TESSERA' });
    expect(config.aeTitles).toEqual({ TESSERA: 'default' });
  });

  it('chooses adapters by URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/tessera',
      BLOB_URL: 's3+http://key%2F1:secret@minio:9000/dicom',
      BUS_URL: 'kafka://k1:9092,k2:9092',
      TESSERA_ROLES: 'index,ingest',
      OIDC_ISSUER: 'https://sso.example.org/realms/tessera',
    });
    expect(config.roles).toEqual(['ingest', 'index']);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/tessera' });
    expect(config.blob).toMatchObject({ kind: 's3', endPoint: 'minio', port: 9000, useSSL: false, bucket: 'dicom', accessKey: 'key/1', secretKey: 'secret' });
    expect(config.bus).toMatchObject({ kind: 'kafka', brokers: ['k1:9092', 'k2:9092'] });
  });

  it('names every bad key in one error, without echoing credentials', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ HTTP_PORT: 'eighty', BUS_URL: 'rabbit://x', DATABASE_URL: 'mysql://root:hunter2@x/db', BLOB_URL: 's3://host/b', DIMSE_AE_TITLE: 'A\\B', MLLP_HOST: '0.0.0.0', TESSERA_ROLES: 'ingest,viewer' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error?.message ?? '';
    for (const key of ['HTTP_PORT', 'BUS_URL', 'DATABASE_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'DIMSE_AE_TITLE', 'MLLP_HOST', 'TESSERA_ROLES']) expect(text).toContain(key);
    expect(text).not.toContain('hunter2');
  });

  it('maps AE titles to configured tenants only', () => {
    const config = loadConfig({ TESSERA_TENANTS: 'st-mary,general', DIMSE_AE_TITLES: 'MARY=st-mary,GEN=general' });
    expect(config.tenants).toEqual(['default', 'st-mary', 'general']);
    expect(config.aeTitles).toEqual({ MARY: 'st-mary', GEN: 'general', TESSERA: 'default' });
    expect(() => loadConfig({ DIMSE_AE_TITLES: 'X=nowhere' })).toThrow(/not in TESSERA_TENANTS/);
  });
});

describe('loadConfig: OpenID Connect', () => {
  const problemsOf = (env: Record<string, string>, roles?: string): string[] => {
    try {
      loadConfig(env, { cwd: '/srv/tessera', ...(roles ? { roles } : {}) });
    } catch (err) {
      if (err instanceof ConfigError) return [...err.problems];
      throw err;
    }
    return [];
  };

  it('runs the embedded provider in the all-in-one process, at /oidc on the HTTP port, keeping its files with the data', () => {
    expect(loadConfig({ HTTP_PORT: '8042' }, { cwd: '/srv/tessera' }).auth).toEqual({ kind: 'embedded', issuer: 'http://127.0.0.1:8042/oidc', audience: 'tessera', directory: '/srv/tessera/data/oidc', accessTokenTtlSeconds: 3600 });
    expect(loadConfig({ OIDC_EMBEDDED_ISSUER: 'https://pacs.example.org/oidc/', OIDC_EMBEDDED_DIR: '/var/lib/tessera/oidc' }).auth).toMatchObject({ issuer: 'https://pacs.example.org/oidc', directory: '/var/lib/tessera/oidc' });
  });

  it('trusts an external issuer when told, with claim paths for providers like Keycloak', () => {
    const auth = loadConfig({ OIDC_ISSUER: 'https://sso.example.org/realms/tessera', OIDC_AUDIENCE: 'pacs', OIDC_ROLES_CLAIM: 'realm_access.roles', OIDC_CLOCK_TOLERANCE_S: '5' }, { roles: 'index' }).auth;
    expect(auth).toEqual({ kind: 'external', issuer: 'https://sso.example.org/realms/tessera', audience: 'pacs', rolesClaim: 'realm_access.roles', tenantsClaim: 'tenants', clockToleranceSeconds: 5 });
  });

  it('refuses what cannot work, naming the setting', () => {
    expect(problemsOf({}, 'index')).toEqual([expect.stringMatching(/^OIDC_ISSUER: required when a process runs only some roles/)]);
    expect(problemsOf({ OIDC_ISSUER: 'sso.example.org' })).toEqual(['OIDC_ISSUER="sso.example.org": expected an http(s) URL']);
    expect(problemsOf({ OIDC_EMBEDDED_ISSUER: 'https://pacs.example.org/auth' })).toEqual([expect.stringMatching(/must end in \/oidc/)]);
    expect(problemsOf({ HTTP_PORT: '0' })).toEqual([expect.stringMatching(/^OIDC_EMBEDDED_ISSUER: required when HTTP_PORT=0/)]);
    expect(problemsOf({ OIDC_ISSUER: 'https://sso.example.org', OIDC_CLOCK_TOLERANCE_S: '3600' })).toEqual([expect.stringMatching(/^OIDC_CLOCK_TOLERANCE_S/)]);
  });

  it('verifies a DICOM user identity when one is offered, by default, and takes required or ignore (PS3.7 D.3.3.7)', () => {
    expect(loadConfig({}).dimse.userIdentity).toBe('optional');
    expect(loadConfig({ DIMSE_USER_IDENTITY: 'required' }).dimse.userIdentity).toBe('required');
    expect(loadConfig({ DIMSE_USER_IDENTITY: 'ignore' }).dimse.userIdentity).toBe('ignore');
    expect(problemsOf({ DIMSE_USER_IDENTITY: 'always' })).toEqual(['DIMSE_USER_IDENTITY="always": expected optional, required, ignore']);
  });

  it('lets HTTP and DIMSE listen beyond loopback (every request and association is authenticated), but not plain MLLP', () => {
    expect(problemsOf({ HTTP_HOST: '0.0.0.0', DIMSE_HOST: '0.0.0.0' })).toEqual([]);
    expect(loadConfig({ DIMSE_HOST: '0.0.0.0' }).dimse.acceptUnknownCallingAE).toBe(false);
    expect(problemsOf({ MLLP_HOST: '0.0.0.0' })).toHaveLength(1);
  });
});

describe('loadConfig: DICOM TLS settings', () => {
  // Real PEM files, made by the openssl CLI: a self-signed certificate and its key, and another key.
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-config-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('tls.key'), '-out', file('tls.crt'), '-days', '1', '-subj', '/CN=tessera.example.org'], { stdio: 'ignore' });
    fs.writeFileSync(file('other.key'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(file('encrypted.key'), createPrivateKey(fs.readFileSync(file('tls.key'))).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }));
    fs.writeFileSync(file('not-a-cert.pem'), 'hello\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return [...err.problems];
      throw err;
    }
    return [];
  };

  it('has no TLS listener and no client authentication by default', () => {
    expect(loadConfig({}).dimse.tls).toEqual({ clientAuth: 'none' });
  });

  it('reads the certificate, its key and the CAs once, relative to the working directory', () => {
    const tls = loadConfig({ DIMSE_TLS_PORT: '2762', DIMSE_TLS_CERT: 'tls.crt', DIMSE_TLS_KEY: 'tls.key', DIMSE_TLS_CA: file('tls.crt'), DIMSE_TLS_CLIENT_AUTH: 'required' }, { cwd: dir }).dimse.tls;
    expect(tls).toMatchObject({ port: 2762, clientAuth: 'required', ca: fs.readFileSync(file('tls.crt'), 'utf8') });
    expect(tls.certificate).toMatchObject({ chain: fs.readFileSync(file('tls.crt'), 'utf8'), subject: 'CN=tessera.example.org' });
    expect(tls.certificate?.key.asymmetricKeyType).toBe('rsa');
    // The private key never shows when the settings are logged.
    expect(JSON.stringify(tls)).not.toContain('PRIVATE KEY');
  });

  it('takes a certificate without a TLS port, for outbound TLS, and a CA alone, for verifying peers', () => {
    expect(loadConfig({ DIMSE_TLS_CERT: file('tls.crt'), DIMSE_TLS_KEY: file('tls.key') }).dimse.tls).toMatchObject({ clientAuth: 'none', certificate: { subject: 'CN=tessera.example.org' } });
    expect(loadConfig({ DIMSE_TLS_CA: file('tls.crt') }).dimse.tls.port).toBeUndefined();
  });

  it('names every bad TLS setting at once', () => {
    const problems = problemsOf({ DIMSE_PORT: '11112', DIMSE_TLS_PORT: '11112', DIMSE_TLS_CERT: file('missing.crt'), DIMSE_TLS_KEY: file('tls.key'), DIMSE_TLS_CLIENT_AUTH: 'sometimes', HTTP_PORT: 'x' });
    expect(problems).toEqual([
      'HTTP_PORT="x": expected an integer from 0 to 65535',
      'DIMSE_TLS_PORT=11112: must differ from DIMSE_PORT (the plain and the TLS listener each need their own port)',
      'DIMSE_TLS_CLIENT_AUTH="sometimes": expected none, optional or required',
      `DIMSE_TLS_CERT=${file('missing.crt')}: cannot read the file (ENOENT)`,
    ]);
  });

  it('needs a certificate and its key with a TLS port, and the one with the other', () => {
    expect(problemsOf({ DIMSE_TLS_PORT: '2762' })).toEqual([
      'DIMSE_TLS_CERT: required with DIMSE_TLS_PORT (a TLS server needs a certificate and its private key)',
      'DIMSE_TLS_KEY: required with DIMSE_TLS_PORT (a TLS server needs a certificate and its private key)',
    ]);
    expect(problemsOf({ DIMSE_TLS_CERT: file('tls.crt') })).toEqual(['DIMSE_TLS_KEY: required with DIMSE_TLS_CERT (a certificate and its private key go together)']);
    expect(problemsOf({ DIMSE_TLS_KEY: file('tls.key') })).toEqual(['DIMSE_TLS_CERT: required with DIMSE_TLS_KEY (a certificate and its private key go together)']);
  });

  it('refuses a key that is not the certificate’s, an encrypted key, and files that hold no PEM certificate or key', () => {
    expect(problemsOf({ DIMSE_TLS_CERT: file('tls.crt'), DIMSE_TLS_KEY: file('other.key') })).toEqual([`DIMSE_TLS_KEY=${file('other.key')}: not the private key of the certificate in DIMSE_TLS_CERT`]);
    expect(problemsOf({ DIMSE_TLS_CERT: file('tls.crt'), DIMSE_TLS_KEY: file('encrypted.key') })).toEqual([expect.stringMatching(/^DIMSE_TLS_KEY: the key is encrypted/)]);
    expect(problemsOf({ DIMSE_TLS_CERT: file('not-a-cert.pem'), DIMSE_TLS_KEY: file('not-a-cert.pem'), DIMSE_TLS_CA: file('not-a-cert.pem') })).toEqual([
      'DIMSE_TLS_CERT: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file',
      expect.stringMatching(/^DIMSE_TLS_KEY: not a PEM private key/),
      'DIMSE_TLS_CA: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file',
    ]);
  });

  it('needs a CA and a TLS port for client certificates', () => {
    expect(problemsOf({ DIMSE_TLS_PORT: '2762', DIMSE_TLS_CERT: file('tls.crt'), DIMSE_TLS_KEY: file('tls.key'), DIMSE_TLS_CLIENT_AUTH: 'required' })).toEqual([
      'DIMSE_TLS_CLIENT_AUTH=required: needs DIMSE_TLS_CA, the CAs that client certificates must be signed by',
    ]);
    expect(problemsOf({ DIMSE_TLS_CA: file('tls.crt'), DIMSE_TLS_CLIENT_AUTH: 'optional' })).toEqual(['DIMSE_TLS_CLIENT_AUTH=optional: applies to the TLS listener, so needs DIMSE_TLS_PORT']);
  });
});

describe('loadConfig: MLLP settings', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-config-mllp-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('tls.key'), '-out', file('tls.crt'), '-days', '1', '-subj', '/CN=mllp.example.org'], { stdio: 'ignore' });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return [...err.problems];
      throw err;
    }
    return [];
  };

  it('listens on loopback port 2575 by default, without TLS, every message for the default tenant', () => {
    expect(loadConfig({}).mllp).toEqual({ host: '127.0.0.1', port: 2575, maxMessageBytes: 1024 * 1024, idleTimeoutMs: 300_000, tls: {}, receivingFacilities: {} });
    expect(problemsOf({ MLLP_HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^MLLP_HOST=0\.0\.0\.0: the plain MLLP port authenticates no sender/)]);
    expect(loadConfig({ MLLP_HOST: '0.0.0.0', TESSERA_ALLOW_INSECURE_REMOTE: 'true', MLLP_PORT: '6661', MLLP_MAX_MESSAGE_BYTES: '65536', MLLP_IDLE_TIMEOUT_MS: '1000' }).mllp).toMatchObject({ host: '0.0.0.0', port: 6661, maxMessageBytes: 65536, idleTimeoutMs: 1000 });
    expect(problemsOf({ MLLP_PORT: 'hl7', MLLP_MAX_MESSAGE_BYTES: '10' })).toEqual(['MLLP_PORT="hl7": expected an integer from 0 to 65535', 'MLLP_MAX_MESSAGE_BYTES="10": expected an integer from 1024 to 67108864']);
  });

  it('reads the TLS listener’s certificate and key, and the CAs that make it mutual TLS', () => {
    const tls = loadConfig({ MLLP_TLS_PORT: '2576', MLLP_TLS_CERT: 'tls.crt', MLLP_TLS_KEY: 'tls.key', MLLP_TLS_CA: 'tls.crt' }, { cwd: dir }).mllp.tls;
    expect(tls).toMatchObject({ port: 2576, ca: fs.readFileSync(file('tls.crt'), 'utf8'), certificate: { subject: 'CN=mllp.example.org' } });
    expect(JSON.stringify(tls)).not.toContain('PRIVATE KEY');
  });

  it('names every bad TLS setting, in MLLP’s own words', () => {
    expect(problemsOf({ MLLP_TLS_PORT: '2575' })).toEqual([
      'MLLP_TLS_PORT=2575: must differ from MLLP_PORT (the plain and the TLS listener each need their own port)',
      'MLLP_TLS_CERT: required with MLLP_TLS_PORT (a TLS server needs a certificate and its private key)',
      'MLLP_TLS_KEY: required with MLLP_TLS_PORT (a TLS server needs a certificate and its private key)',
    ]);
    expect(problemsOf({ MLLP_TLS_CERT: file('tls.crt'), MLLP_TLS_KEY: file('tls.crt') })).toEqual([
      expect.stringMatching(/^MLLP_TLS_KEY: not a PEM private key/),
      'MLLP_TLS_CERT, MLLP_TLS_KEY: serve the MLLP TLS listener, so need MLLP_TLS_PORT',
    ]);
    expect(problemsOf({ MLLP_TLS_CA: file('tls.crt') })).toEqual(['MLLP_TLS_CA: serve the MLLP TLS listener, so need MLLP_TLS_PORT']);
  });

  it('maps receiving facilities (MSH-6) to configured tenants only', () => {
    const config = loadConfig({ TESSERA_TENANTS: 'default,north', HL7_RECEIVING_FACILITIES: 'NORTH HOSPITAL=north, SOUTH=default' });
    expect(config.mllp.receivingFacilities).toEqual({ 'NORTH HOSPITAL': 'north', SOUTH: 'default' });
    expect(problemsOf({ HL7_RECEIVING_FACILITIES: 'NORTH=north,A^B=default,SOUTH=default,SOUTH=default' })).toEqual([
      'HL7_RECEIVING_FACILITIES: facility NORTH maps to "north", which is not in TESSERA_TENANTS',
      'HL7_RECEIVING_FACILITIES: "A^B" is not a facility namespace ID (1-20 printable ASCII characters, none of |^~\\&)',
      'HL7_RECEIVING_FACILITIES: facility SOUTH is given twice',
    ]);
  });
});

describe('loadConfig: HTTPS', () => {
  it('serves HTTPS with a certificate and key, and the embedded issuer follows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-config-https-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=pacs.example.org'], { stdio: 'ignore' });
      const config = loadConfig({ HTTP_TLS_CERT: 'c.pem', HTTP_TLS_KEY: 'k.pem', HTTP_PORT: '8443' }, { cwd: dir });
      expect(config.http.tls).toMatchObject({ subject: 'CN=pacs.example.org' });
      expect(config.auth).toMatchObject({ issuer: 'https://127.0.0.1:8443/oidc' });
      expect(() => loadConfig({ HTTP_TLS_CERT: 'c.pem' }, { cwd: dir })).toThrow(/HTTP_TLS_KEY: required with HTTP_TLS_CERT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadConfig: audit trail', () => {
  it('reports as tessera@<host>, spools under the data directory, and forwards nowhere by default', () => {
    const audit = loadConfig({}, { cwd: '/srv/tessera' }).audit;
    expect(audit).toEqual({ sourceId: `tessera@${os.hostname()}`, spoolDir: '/srv/tessera/data/audit-spool' });
  });

  it('forwards to a syslog collector over TLS when told, and names what is wrong', () => {
    expect(loadConfig({ AUDIT_SYSLOG_URL: 'syslog-tls://arr.example.org:6514', AUDIT_SOURCE_ID: 'PACS-1', AUDIT_SYSLOG_CONFIRM_MS: '250' }).audit).toMatchObject({
      sourceId: 'PACS-1',
      syslog: { host: 'arr.example.org', port: 6514, confirmMs: 250 },
    });
    const problems = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ AUDIT_SYSLOG_URL: 'udp://arr:514' })).toContain('AUDIT_SYSLOG_URL');
    expect(problems({ AUDIT_SYSLOG_URL: 'syslog-tls://arr:6514', AUDIT_SYSLOG_CONFIRM_MS: 'soon' })).toContain('AUDIT_SYSLOG_CONFIRM_MS');
    expect(problems({ AUDIT_SYSLOG_TLS_CA: '/nowhere/ca.pem' })).toContain('AUDIT_SYSLOG_TLS_CA');
  });
});

describe('FHIR subscription settings', () => {
  it('retries notifications 10 times from 5 s, doubling up to 10 min, unless told otherwise', () => {
    expect(loadConfig({}).fhirSubscriptions).toEqual({ maxAttempts: 10, retryDelayMs: 5000, maxRetryDelayMs: 600_000, timeoutMs: 30_000 });
    expect(loadConfig({ FHIR_SUBSCRIPTION_MAX_ATTEMPTS: '2', FHIR_SUBSCRIPTION_RETRY_MS: '100', FHIR_SUBSCRIPTION_MAX_RETRY_MS: '200', FHIR_SUBSCRIPTION_TIMEOUT_MS: '1000' }).fhirSubscriptions).toEqual({
      maxAttempts: 2,
      retryDelayMs: 100,
      maxRetryDelayMs: 200,
      timeoutMs: 1000,
    });
    expect(() => loadConfig({ FHIR_SUBSCRIPTION_MAX_ATTEMPTS: '0' })).toThrow(/FHIR_SUBSCRIPTION_MAX_ATTEMPTS/);
  });
});

describe('study stability and HL7 results settings', () => {
  it('defaults to a study stable after 60 s and no results destinations', () => {
    const config = loadConfig({});
    expect(config.index).toEqual({ studyStableAfterMs: 60_000, deletionPurgeAfterMs: 86_400_000 });
    expect(config.hl7Results).toEqual({ destinations: {}, maxAttempts: 10, retryDelayMs: 5000, maxRetryDelayMs: 600_000, ackTimeoutMs: 30_000 });
  });

  it('reads a destination per tenant, plain or TLS, and the retry settings', () => {
    const config = loadConfig({
      TESSERA_TENANTS: 'default,north',
      STUDY_STABLE_AFTER_S: '2',
      HL7_RESULTS_DESTINATIONS: 'default=127.0.0.1:2576, north=mllps://ris.north.example:6661',
      HL7_RESULTS_MAX_ATTEMPTS: '3',
      HL7_RESULTS_RETRY_MS: '100',
      HL7_RESULTS_ACK_TIMEOUT_MS: '1000',
    });
    expect(config.index.studyStableAfterMs).toBe(2000);
    expect(config.hl7Results).toMatchObject({
      destinations: { default: { host: '127.0.0.1', port: 2576, tls: false }, north: { host: 'ris.north.example', port: 6661, tls: true } },
      maxAttempts: 3,
      retryDelayMs: 100,
      ackTimeoutMs: 1000,
    });
  });

  it('names every bad destination', () => {
    expect(() => loadConfig({ HL7_RESULTS_DESTINATIONS: 'south=ris:1,default=ris,default=ris:70000', STUDY_STABLE_AFTER_S: '0' })).toThrow(
      /STUDY_STABLE_AFTER_S="0"[\s\S]*"south=ris:1" does not name a tenant[\s\S]*"ris" for default is not host:port[\s\S]*"ris:70000" for default is not host:port/,
    );
  });
});
