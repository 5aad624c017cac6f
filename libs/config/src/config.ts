import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The roles one process can run (ARCHITECTURE §1). */
export const ROLES = ['ingest', 'index', 'storage', 'routing', 'hl7', 'auth'] as const;
export type Role = (typeof ROLES)[number];

export type DatabaseSettings = { readonly kind: 'pglite'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

export type BlobSettings =
  | { readonly kind: 'file'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly endPoint: string;
      readonly port: number;
      readonly useSSL: boolean;
      readonly bucket: string;
      readonly accessKey: string;
      readonly secretKey: string;
      readonly region: string;
    };

export type BusSettings =
  | { readonly kind: 'memory' }
  | { readonly kind: 'kafka'; readonly brokers: readonly string[]; readonly partitions: number; readonly replicationFactor: number; readonly clientId: string; readonly topicPrefix: string };

/** Who must show a client certificate on the TLS listener (mutual TLS). */
export const TLS_CLIENT_AUTH = ['none', 'optional', 'required'] as const;
export type TlsClientAuth = (typeof TLS_CLIENT_AUTH)[number];

/**
 * A certificate chain (PEM, leaf first) and its private key, read and checked at boot. The key is a
 * KeyObject so that it never shows in a log or a JSON dump of the settings.
 */
export interface TlsCertificate {
  readonly chain: string;
  readonly key: KeyObject;
  readonly subject: string;
  readonly validTo: string;
}

/** DICOM over TLS (PS3.15 B.9): the TLS listener, Tessera's certificate, and whom it trusts. */
export interface DimseTlsSettings {
  /** The TLS listener's port; undefined: no TLS listener. */
  readonly port?: number;
  /** Tessera's certificate: presented by the TLS listener, and to outbound peers that ask for a client certificate. */
  readonly certificate?: TlsCertificate;
  /** Trusted CA certificates (PEM): for client certificates, and for outbound peers instead of the system CAs. */
  readonly ca?: string;
  /** none: no client certificate asked for; optional: asked for and verified when given; required: none, no handshake. */
  readonly clientAuth: TlsClientAuth;
}

/** HL7 v2 over MLLP with TLS: the TLS listener, its certificate, and the CAs of mutual TLS. */
export interface MllpTlsSettings {
  /** The TLS listener's port; undefined: no TLS listener. */
  readonly port?: number;
  readonly certificate?: TlsCertificate;
  /** Trusted CA certificates (PEM); given, every client must show a certificate they signed (mutual TLS). */
  readonly ca?: string;
}

/**
 * How HTTP callers are authenticated (issue 6): an OpenID provider's JWT access tokens, checked on
 * every request. `embedded`: the all-in-one process runs its own provider; `external`: any issuer
 * (Keycloak, Entra ID, …) found through OpenID Connect discovery.
 */
export type AuthSettings =
  | {
      readonly kind: 'embedded';
      readonly issuer: string;
      readonly audience: string;
      /** Signing key and development accounts (created on first start). */
      readonly directory: string;
      readonly accessTokenTtlSeconds: number;
    }
  | {
      readonly kind: 'external';
      readonly issuer: string;
      readonly audience: string;
      /** Instead of discovery's jwks_uri. */
      readonly jwksUrl?: string;
      /** Claim (or dotted path, e.g. realm_access.roles) holding Tessera role names. */
      readonly rolesClaim: string;
      /** Claim (or dotted path) holding the tenants the caller belongs to. */
      readonly tenantsClaim: string;
      readonly clockToleranceSeconds: number;
    };

/** The audit trail (issue 6, IHE ATNA): who reports, and the syslog collector it is forwarded to. */
export interface AuditSettings {
  /** AuditSourceID of every message: this installation. */
  readonly sourceId: string;
  /** Where messages wait for the collector (each process needs its own). */
  readonly spoolDir: string;
  /** The Audit Record Repository, over syslog on TLS (RFC 5425); undefined: records are only stored. */
  readonly syslog?: {
    readonly host: string;
    readonly port: number;
    readonly serverName?: string;
    /** Tessera's client certificate, when the collector asks for one. */
    readonly certificate?: TlsCertificate;
    /** CAs that sign the collector's certificate, instead of the system's. */
    readonly ca?: string;
    /** How long a connection must stay up after a write before the message leaves the spool. */
    readonly confirmMs: number;
  };
}

/** Where one tenant's results go: its RIS's MLLP listener, plain or TLS. */
export interface Hl7ResultsDestination {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** HL7_RESULTS_*: the RIS endpoint per tenant and how sends are retried. */
export interface Hl7ResultsSettings {
  readonly destinations: Readonly<Record<string, Hl7ResultsDestination>>;
  /** After this many failed attempts a message is dead-lettered. */
  readonly maxAttempts: number;
  /** The wait after the first failure; it doubles after each further one, up to maxRetryDelayMs. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long to wait for the RIS's acknowledgement (connecting included). */
  readonly ackTimeoutMs: number;
  /** PEM file of the CAs that TLS destinations' certificates must chain to (else the system's). */
  readonly tlsCa?: string;
}

export const DIMSE_USER_IDENTITY_POLICIES = ['optional', 'required', 'ignore'] as const;
export type DimseUserIdentityPolicy = (typeof DIMSE_USER_IDENTITY_POLICIES)[number];
/** FHIR_SUBSCRIPTION_*: how rest-hook notifications are retried (FHIR R4 Subscription). */
export interface FhirSubscriptionSettings {
  /** After this many failed attempts a notification is given up and its Subscription set to error. */
  readonly maxAttempts: number;
  /** The wait after the first failure; it doubles after each further one, up to maxRetryDelayMs. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long one POST to a subscriber's endpoint may take. */
  readonly timeoutMs: number;
}

/** Every setting of a Tessera process, validated. */
export interface TesseraConfig {
  readonly roles: readonly Role[];
  /** trustProxy: false, true (every peer), or the gateway addresses/CIDRs whose X-Forwarded-* count. */
  /** tls: HTTPS on the HTTP port (HTTP_TLS_CERT, HTTP_TLS_KEY); absent: plain HTTP (TLS in front of it, at a gateway). */
  /**
   * corsOrigins: the browser origins allowed to call the HTTP API cross-origin (HTTP_CORS_ORIGINS), '*'
   * for any, none (the default) for no CORS at all. compression: gzip/br of text responses (HTTP_COMPRESSION).
   */
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly trustProxy: boolean | readonly string[];
    readonly tls?: TlsCertificate;
    readonly corsOrigins: readonly string[] | '*';
    readonly compression: boolean;
  };
  readonly dimse: {
    readonly host: string;
    readonly port: number;
    readonly aeTitle: string;
    readonly maxPduLength: number;
    readonly maxAssociations: number;
    readonly artimTimeoutMs: number;
    readonly idleTimeoutMs: number;
    /** How long to wait for the peer's response to a request Tessera sent (the DIMSE timeout). */
    readonly responseTimeoutMs: number;
    /** Whether an association from a calling AE title the tenant has not registered is accepted. */
    readonly acceptUnknownCallingAE: boolean;
    /**
     * User Identity Negotiation (PS3.7 D.3.3.7): optional (an identity offered is verified, a bad one
     * rejects the association), required (no association without a verified identity), or ignore.
     */
    readonly userIdentity: DimseUserIdentityPolicy;
    readonly tls: DimseTlsSettings;
  };
  /** The hl7 role's MLLP listener (HL7 v2 over the Minimal Lower Layer Protocol). */
  readonly mllp: {
    readonly host: string;
    readonly port: number;
    /** A framed message larger than this is not read (it is answered AR when its MSH can be). */
    readonly maxMessageBytes: number;
    readonly idleTimeoutMs: number;
    readonly tls: MllpTlsSettings;
    /** MSH-6 receiving facilities (namespace ID) and the tenant each one's messages are for; empty: every message is for the default tenant. */
    readonly receivingFacilities: Readonly<Record<string, string>>;
  };
  /** The index role's study "stable" detection. */
  readonly index: {
    /** A study that has received no new instance for this long is stable (study.stable.v1). */
    readonly studyStableAfterMs: number;
    /** Deleted studies, series and instances keep their objects this long before the purge deletes them (0: at the next sweep). */
    readonly deletionPurgeAfterMs: number;
  };
  /** The hl7 role's results out: order status messages to each tenant's RIS over MLLP. */
  readonly hl7Results: Hl7ResultsSettings;
  /** The hl7 role's FHIR rest-hook Subscriptions: notifications when a study becomes available. */
  readonly fhirSubscriptions: FhirSubscriptionSettings;
  readonly database: DatabaseSettings;
  readonly blob: BlobSettings;
  readonly bus: BusSettings;
  readonly defaultTenant: string;
  /** Every tenant this deployment serves (the hospitals of the network). */
  readonly tenants: readonly string[];
  /** Tenants that hold de-identified data only: researchers read there, and nowhere else. */
  readonly researchTenants: readonly string[];
  /** The secret behind de-identified exports' UIDs, pseudonyms and date shifts (with each project's name); undefined: no exports. */
  readonly deidSecret?: string;
  /** Called AE titles and the tenant each one stores into (ARCHITECTURE §5). */
  readonly aeTitles: Readonly<Record<string, string>>;
  readonly auth: AuthSettings;
  readonly audit: AuditSettings;
  readonly allowInsecureRemote: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly telemetry: { readonly otlpEndpoint?: string; readonly serviceName: string };
}

/** Settings that failed validation, every one of them named. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const KNOWN_KEYS = [
  'TESSERA_ROLES',
  'HTTP_HOST',
  'HTTP_PORT',
  'HTTP_TRUST_PROXY',
  'HTTP_TLS_CERT',
  'HTTP_TLS_KEY',
  'HTTP_CORS_ORIGINS',
  'HTTP_COMPRESSION',
  'DIMSE_HOST',
  'DIMSE_PORT',
  'DIMSE_AE_TITLE',
  'DIMSE_MAX_PDU_LENGTH',
  'DIMSE_MAX_ASSOCIATIONS',
  'DIMSE_ARTIM_TIMEOUT_MS',
  'DIMSE_IDLE_TIMEOUT_MS',
  'DIMSE_RESPONSE_TIMEOUT_MS',
  'DIMSE_UNKNOWN_CALLING_AE',
  'DIMSE_USER_IDENTITY',
  'DIMSE_TLS_PORT',
  'DIMSE_TLS_CERT',
  'DIMSE_TLS_KEY',
  'DIMSE_TLS_CA',
  'DIMSE_TLS_CLIENT_AUTH',
  'MLLP_HOST',
  'MLLP_PORT',
  'MLLP_MAX_MESSAGE_BYTES',
  'MLLP_IDLE_TIMEOUT_MS',
  'MLLP_TLS_PORT',
  'MLLP_TLS_CERT',
  'MLLP_TLS_KEY',
  'MLLP_TLS_CA',
  'HL7_RECEIVING_FACILITIES',
  'HL7_RESULTS_DESTINATIONS',
  'HL7_RESULTS_MAX_ATTEMPTS',
  'HL7_RESULTS_RETRY_MS',
  'HL7_RESULTS_MAX_RETRY_MS',
  'HL7_RESULTS_ACK_TIMEOUT_MS',
  'HL7_RESULTS_TLS_CA',
  'FHIR_SUBSCRIPTION_MAX_ATTEMPTS',
  'FHIR_SUBSCRIPTION_RETRY_MS',
  'FHIR_SUBSCRIPTION_MAX_RETRY_MS',
  'FHIR_SUBSCRIPTION_TIMEOUT_MS',
  'STUDY_STABLE_AFTER_S',
  'DELETION_PURGE_AFTER_S',
  'DATABASE_URL',
  'BLOB_URL',
  'S3_ACCESS_KEY',
  'S3_SECRET_KEY',
  'S3_REGION',
  'BUS_URL',
  'KAFKA_TOPIC_PARTITIONS',
  'KAFKA_REPLICATION_FACTOR',
  'KAFKA_CLIENT_ID',
  'KAFKA_TOPIC_PREFIX',
  'TESSERA_DEFAULT_TENANT',
  'TESSERA_TENANTS',
  'DIMSE_AE_TITLES',
  'TESSERA_ALLOW_INSECURE_REMOTE',
  'TESSERA_RESEARCH_TENANTS',
  'DEID_SECRET',
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_JWKS_URL',
  'OIDC_ROLES_CLAIM',
  'OIDC_TENANTS_CLAIM',
  'OIDC_CLOCK_TOLERANCE_S',
  'OIDC_EMBEDDED_ISSUER',
  'OIDC_EMBEDDED_DIR',
  'OIDC_EMBEDDED_TOKEN_TTL_S',
  'AUDIT_SOURCE_ID',
  'AUDIT_SPOOL_DIR',
  'AUDIT_SYSLOG_URL',
  'AUDIT_SYSLOG_SERVERNAME',
  'AUDIT_SYSLOG_CONFIRM_MS',
  'AUDIT_SYSLOG_TLS_CERT',
  'AUDIT_SYSLOG_TLS_KEY',
  'AUDIT_SYSLOG_TLS_CA',
  'LOG_LEVEL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SERVICE_NAME',
] as const;

/** The environment variables Tessera reads (for docs and for the launcher's help). */
export const SETTING_KEYS: readonly string[] = KNOWN_KEYS;

/**
 * Reads and validates every setting once (STYLE 8). `cwd` anchors relative paths of the embedded
 * defaults. Throws a ConfigError listing every problem at once.
 */
export function loadConfig(env: Env, options: { readonly roles?: string; readonly cwd?: string } = {}): TesseraConfig {
  const problems: string[] = [];
  const cwd = options.cwd ?? process.cwd();
  const str = (key: (typeof KNOWN_KEYS)[number], fallback: string): string => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? fallback : v.trim();
  };
  const int = (key: (typeof KNOWN_KEYS)[number], fallback: number, min: number, max: number): number => {
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const bool = (key: (typeof KNOWN_KEYS)[number]): boolean => {
    const raw = (env[key] ?? '').trim().toLowerCase();
    if (raw === '' || raw === 'false' || raw === '0') return false;
    if (raw === 'true' || raw === '1') return true;
    problems.push(`${key}=${JSON.stringify(env[key])}: expected true or false`);
    return false;
  };

  const roles = parseRoles(options.roles ?? str('TESSERA_ROLES', ROLES.join(',')), problems);
  // Behind a gateway, X-Forwarded-Proto/Host give the URLs clients see (RetrieveURL, BulkDataURI).
  const httpTls = parseTlsFiles('HTTP', env, cwd, false, problems).certificate;
  const http = {
    host: str('HTTP_HOST', '127.0.0.1'),
    port: int('HTTP_PORT', 8080, 0, 65535),
    trustProxy: trustedProxies(env.HTTP_TRUST_PROXY, problems),
    ...(httpTls ? { tls: httpTls } : {}),
    corsOrigins: corsOrigins(env.HTTP_CORS_ORIGINS, problems),
    // On unless turned off: compressing JSON and XML is what a browser viewer on a WAN needs.
    compression: (env.HTTP_COMPRESSION ?? '').trim() === '' ? true : bool('HTTP_COMPRESSION'),
  };
  const aeTitle = str('DIMSE_AE_TITLE', 'TESSERA');
  // PS3.8 9.3.2: AE titles are 1-16 characters of the default repertoire without backslash or controls.
  if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(aeTitle) || aeTitle.trim() === '') {
    problems.push(`DIMSE_AE_TITLE=${JSON.stringify(aeTitle)}: an AE title is 1-16 printable ASCII characters, no backslash`);
  }
  const dimsePort = int('DIMSE_PORT', 11112, 0, 65535);
  const dimse = {
    host: str('DIMSE_HOST', '127.0.0.1'),
    port: dimsePort,
    aeTitle: aeTitle.trim(),
    // PS3.8 D.1: the Maximum Length Received; 0 would mean unlimited, which Tessera never offers.
    maxPduLength: int('DIMSE_MAX_PDU_LENGTH', 1024 * 1024, 4096, 64 * 1024 * 1024),
    maxAssociations: int('DIMSE_MAX_ASSOCIATIONS', 100, 1, 10000),
    artimTimeoutMs: int('DIMSE_ARTIM_TIMEOUT_MS', 30_000, 100, 600_000),
    idleTimeoutMs: int('DIMSE_IDLE_TIMEOUT_MS', 300_000, 100, 86_400_000),
    responseTimeoutMs: int('DIMSE_RESPONSE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    acceptUnknownCallingAE: false,
    userIdentity: 'optional' as DimseUserIdentityPolicy,
    tls: parseDimseTls(env, cwd, dimsePort, problems),
  };
  // Unknown calling AEs are welcome only while nothing but this machine can reach the listener (the
  // zero-setup mode); anywhere else an AE must be registered first, unless this says otherwise.
  const unknownCallingAE = str('DIMSE_UNKNOWN_CALLING_AE', isLoopback(dimse.host) ? 'accept' : 'reject');
  if (unknownCallingAE !== 'accept' && unknownCallingAE !== 'reject') problems.push(`DIMSE_UNKNOWN_CALLING_AE=${JSON.stringify(unknownCallingAE)}: expected accept or reject`);
  dimse.acceptUnknownCallingAE = unknownCallingAE === 'accept';
  const userIdentity = str('DIMSE_USER_IDENTITY', 'optional');
  if ((DIMSE_USER_IDENTITY_POLICIES as readonly string[]).includes(userIdentity)) dimse.userIdentity = userIdentity as DimseUserIdentityPolicy;
  else problems.push(`DIMSE_USER_IDENTITY=${JSON.stringify(userIdentity)}: expected ${DIMSE_USER_IDENTITY_POLICIES.join(', ')}`);
  const database = parseDatabaseUrl(str('DATABASE_URL', 'pglite:./data/db'), cwd, problems);
  const blob = parseBlobUrl(str('BLOB_URL', 'file:./data/blobs'), env, cwd, problems);
  const bus = parseBusUrl(str('BUS_URL', 'memory:'), problems, {
    partitions: int('KAFKA_TOPIC_PARTITIONS', 12, 1, 1000),
    replicationFactor: int('KAFKA_REPLICATION_FACTOR', 1, 1, 10),
    clientId: str('KAFKA_CLIENT_ID', 'tessera'),
    topicPrefix: str('KAFKA_TOPIC_PREFIX', ''),
  });
  if (bus.kind === 'kafka' && !/^[A-Za-z0-9._-]*$/.test(bus.topicPrefix)) problems.push(`KAFKA_TOPIC_PREFIX=${JSON.stringify(bus.topicPrefix)}: only letters, digits, dots, dashes and underscores`);
  const defaultTenant = str('TESSERA_DEFAULT_TENANT', 'default');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(defaultTenant)) {
    problems.push(`TESSERA_DEFAULT_TENANT=${JSON.stringify(defaultTenant)}: a tenant id is 1-63 lower-case letters, digits or dashes`);
  }
  const tenants = [...new Set([defaultTenant, ...str('TESSERA_TENANTS', defaultTenant).split(',').map((t) => t.trim()).filter(Boolean)])];
  for (const t of tenants) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(t)) problems.push(`TESSERA_TENANTS: "${t}" is not a tenant id (1-63 lower-case letters, digits or dashes)`);
  }
  const researchTenants = str('TESSERA_RESEARCH_TENANTS', '').split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of researchTenants) if (!tenants.includes(t)) problems.push(`TESSERA_RESEARCH_TENANTS: "${t}" is not in TESSERA_TENANTS`);
  if (researchTenants.includes(defaultTenant)) problems.push(`TESSERA_RESEARCH_TENANTS: the default tenant ${defaultTenant} cannot hold de-identified data only`);
  const deidSecret = given(env, 'DEID_SECRET');
  if (deidSecret !== undefined && deidSecret.length < 16) problems.push('DEID_SECRET: at least 16 characters (it keys the UIDs and pseudonyms of de-identified exports)');
  const aeTitles: Record<string, string> = {};
  for (const entry of str('DIMSE_AE_TITLES', '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [title = '', tenant = ''] = entry.split('=').map((x) => x.trim());
    if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(title)) problems.push(`DIMSE_AE_TITLES: "${title}" is not an AE title (1-16 printable ASCII characters, no backslash)`);
    else if (!tenants.includes(tenant)) problems.push(`DIMSE_AE_TITLES: AE title ${title} maps to "${tenant}", which is not in TESSERA_TENANTS`);
    else if (aeTitles[title] !== undefined) problems.push(`DIMSE_AE_TITLES: AE title ${title} is given twice`);
    else aeTitles[title] = tenant;
  }
  // The main AE title always answers, for the default tenant unless the list says otherwise.
  aeTitles[aeTitle.trim()] ??= defaultTenant;
  const mllpPort = int('MLLP_PORT', 2575, 0, 65535);
  const mllp = {
    host: str('MLLP_HOST', '127.0.0.1'),
    port: mllpPort,
    maxMessageBytes: int('MLLP_MAX_MESSAGE_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    idleTimeoutMs: int('MLLP_IDLE_TIMEOUT_MS', 300_000, 100, 86_400_000),
    tls: parseMllpTls(env, cwd, mllpPort, problems),
    receivingFacilities: parseReceivingFacilities(str('HL7_RECEIVING_FACILITIES', ''), tenants, problems),
  };
  const index = { studyStableAfterMs: int('STUDY_STABLE_AFTER_S', 60, 1, 86_400) * 1000, deletionPurgeAfterMs: int('DELETION_PURGE_AFTER_S', 86_400, 0, 365 * 86_400) * 1000 };
  const resultsCa = env.HL7_RESULTS_TLS_CA?.trim() ? path.resolve(cwd, env.HL7_RESULTS_TLS_CA.trim()) : undefined;
  if (resultsCa !== undefined && !fs.existsSync(resultsCa)) problems.push(`HL7_RESULTS_TLS_CA=${env.HL7_RESULTS_TLS_CA}: no such file`);
  const hl7Results: Hl7ResultsSettings = {
    destinations: parseResultsDestinations(str('HL7_RESULTS_DESTINATIONS', ''), tenants, problems),
    maxAttempts: int('HL7_RESULTS_MAX_ATTEMPTS', 10, 1, 1000),
    retryDelayMs: int('HL7_RESULTS_RETRY_MS', 5_000, 10, 3_600_000),
    maxRetryDelayMs: int('HL7_RESULTS_MAX_RETRY_MS', 600_000, 10, 86_400_000),
    ackTimeoutMs: int('HL7_RESULTS_ACK_TIMEOUT_MS', 30_000, 100, 600_000),
    ...(resultsCa !== undefined ? { tlsCa: resultsCa } : {}),
  };
  const fhirSubscriptions: FhirSubscriptionSettings = {
    maxAttempts: int('FHIR_SUBSCRIPTION_MAX_ATTEMPTS', 10, 1, 1000),
    retryDelayMs: int('FHIR_SUBSCRIPTION_RETRY_MS', 5_000, 10, 3_600_000),
    maxRetryDelayMs: int('FHIR_SUBSCRIPTION_MAX_RETRY_MS', 600_000, 10, 86_400_000),
    timeoutMs: int('FHIR_SUBSCRIPTION_TIMEOUT_MS', 30_000, 100, 600_000),
  };
  const auth = parseAuth(env, roles, http, cwd, problems);
  const audit = parseAudit(env, cwd, problems);
  // HTTP always authenticates (every route checks a token); DIMSE refuses unregistered calling AEs
  // beyond loopback. The plain MLLP port authenticates no one, so on a network it needs this flag.
  const allowInsecureRemote = bool('TESSERA_ALLOW_INSECURE_REMOTE');
  if (!isLoopback(mllp.host) && !allowInsecureRemote) {
    problems.push(
      `MLLP_HOST=${mllp.host}: the plain MLLP port authenticates no sender; keep it on loopback and offer the TLS port (MLLP_TLS_PORT with MLLP_TLS_CA), or set TESSERA_ALLOW_INSECURE_REMOTE=true only on a network you trust`,
    );
  }
  const logLevel = str('LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected debug, info, warn or error`);
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (otlpEndpoint && !/^https?:\/\//.test(otlpEndpoint)) problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT=${JSON.stringify(otlpEndpoint)}: expected an http(s) URL`);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    roles,
    http,
    dimse,
    mllp,
    index,
    hl7Results,
    fhirSubscriptions,
    database,
    blob,
    bus,
    defaultTenant,
    tenants,
    researchTenants,
    ...(deidSecret !== undefined ? { deidSecret } : {}),
    aeTitles,
    auth,
    audit,
    allowInsecureRemote,
    logLevel: logLevel as TesseraConfig['logLevel'],
    telemetry: { serviceName: str('OTEL_SERVICE_NAME', `tessera-${roles.length === ROLES.length ? 'all' : roles.join('-')}`), ...(otlpEndpoint ? { otlpEndpoint } : {}) },
  };
}

/**
 * OIDC_*: an external issuer when OIDC_ISSUER is given; otherwise the embedded provider, which only
 * the all-in-one process may run (split roles would each be an issuer of their own).
 */
function parseAuth(env: Env, roles: readonly Role[], http: { readonly port: number; readonly tls?: TlsCertificate }, cwd: string, problems: string[]): AuthSettings {
  const httpPort = http.port;
  const audience = given(env, 'OIDC_AUDIENCE') ?? 'tessera';
  const seconds = (key: string, fallback: number, min: number, max: number): number => {
    const raw = given(env, key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    problems.push(`${key}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max} (seconds)`);
    return fallback;
  };
  const url = (key: string, value: string): string => {
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      problems.push(`${key}=${JSON.stringify(value)}: expected an http(s) URL`);
    }
    return value;
  };
  const issuer = given(env, 'OIDC_ISSUER');
  if (issuer !== undefined) {
    const jwksUrl = given(env, 'OIDC_JWKS_URL');
    return {
      kind: 'external',
      issuer: url('OIDC_ISSUER', issuer),
      audience,
      ...(jwksUrl !== undefined ? { jwksUrl: url('OIDC_JWKS_URL', jwksUrl) } : {}),
      rolesClaim: given(env, 'OIDC_ROLES_CLAIM') ?? 'roles',
      tenantsClaim: given(env, 'OIDC_TENANTS_CLAIM') ?? 'tenants',
      clockToleranceSeconds: seconds('OIDC_CLOCK_TOLERANCE_S', 30, 0, 300),
    };
  }
  if (roles.length !== ROLES.length) problems.push('OIDC_ISSUER: required when a process runs only some roles; the embedded OpenID provider is for the all-in-one process');
  const embeddedIssuer = given(env, 'OIDC_EMBEDDED_ISSUER') ?? `${http.tls ? 'https' : 'http'}://127.0.0.1:${httpPort}/oidc`;
  if (URL.canParse(embeddedIssuer) && new URL(embeddedIssuer).pathname.replace(/\/$/, '') !== '/oidc') problems.push(`OIDC_EMBEDDED_ISSUER=${JSON.stringify(embeddedIssuer)}: the embedded provider is served at /oidc; the URL must end in /oidc`);
  if (given(env, 'OIDC_EMBEDDED_ISSUER') === undefined && httpPort === 0) problems.push('OIDC_EMBEDDED_ISSUER: required when HTTP_PORT=0 (the issuer URL must be known before listening)');
  return {
    kind: 'embedded',
    issuer: url('OIDC_EMBEDDED_ISSUER', embeddedIssuer).replace(/\/$/, ''),
    audience,
    directory: path.resolve(cwd, given(env, 'OIDC_EMBEDDED_DIR') ?? './data/oidc'),
    accessTokenTtlSeconds: seconds('OIDC_EMBEDDED_TOKEN_TTL_S', 3600, 60, 86_400),
  };
}

/** AUDIT_*: the audit source, the spool, and the syslog collector (syslog-tls://host:port, RFC 5425). */
function parseAudit(env: Env, cwd: string, problems: string[]): AuditSettings {
  const sourceId = given(env, 'AUDIT_SOURCE_ID') ?? `tessera@${os.hostname()}`;
  const spoolDir = path.resolve(cwd, given(env, 'AUDIT_SPOOL_DIR') ?? './data/audit-spool');
  const url = given(env, 'AUDIT_SYSLOG_URL');
  const files = parseTlsFiles('AUDIT_SYSLOG', env, cwd, false, problems);
  if (url === undefined) {
    if (files.certificate || files.ca !== undefined) problems.push('AUDIT_SYSLOG_TLS_*: given without AUDIT_SYSLOG_URL, the collector they are for');
    return { sourceId, spoolDir };
  }
  const match = /^syslog-tls:\/\/([^/:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(url);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    problems.push(`AUDIT_SYSLOG_URL=${JSON.stringify(url)}: expected syslog-tls://host:port (RFC 5425; 6514 is the registered port)`);
    return { sourceId, spoolDir };
  }
  const confirm = given(env, 'AUDIT_SYSLOG_CONFIRM_MS') ?? '1000';
  const confirmMs = Number(confirm);
  if (!Number.isInteger(confirmMs) || confirmMs < 0 || confirmMs > 60_000) problems.push(`AUDIT_SYSLOG_CONFIRM_MS=${JSON.stringify(confirm)}: expected an integer from 0 to 60000`);
  const serverName = given(env, 'AUDIT_SYSLOG_SERVERNAME');
  return {
    sourceId,
    spoolDir,
    syslog: {
      host: (match[1] as string).replace(/^\[|\]$/g, ''),
      port,
      confirmMs,
      ...(serverName !== undefined ? { serverName } : {}),
      ...(files.certificate ? { certificate: files.certificate } : {}),
      ...(files.ca !== undefined ? { ca: files.ca } : {}),
    },
  };
}

/**
 * DIMSE_TLS_*: the files are read and checked here, once, so that a missing file, a key that does
 * not belong to the certificate or a CA bundle that is not one are reported at boot with every
 * other bad setting, not at the first association.
 */
function parseDimseTls(env: Env, cwd: string, dimsePort: number, problems: string[]): DimseTlsSettings {
  const { rawPort, port } = parseTlsPort('DIMSE', env, dimsePort, problems);
  const clientAuth = given(env, 'DIMSE_TLS_CLIENT_AUTH') ?? 'none';
  if (!(TLS_CLIENT_AUTH as readonly string[]).includes(clientAuth)) problems.push(`DIMSE_TLS_CLIENT_AUTH=${JSON.stringify(clientAuth)}: expected none, optional or required`);
  const { certificate, ca } = parseTlsFiles('DIMSE', env, cwd, rawPort !== undefined, problems);
  if (clientAuth === 'optional' || clientAuth === 'required') {
    if (rawPort === undefined) problems.push(`DIMSE_TLS_CLIENT_AUTH=${clientAuth}: applies to the TLS listener, so needs DIMSE_TLS_PORT`);
    if (given(env, 'DIMSE_TLS_CA') === undefined) problems.push(`DIMSE_TLS_CLIENT_AUTH=${clientAuth}: needs DIMSE_TLS_CA, the CAs that client certificates must be signed by`);
  }
  return {
    ...(port !== undefined ? { port } : {}),
    ...(certificate ? { certificate } : {}),
    ...(ca !== undefined ? { ca } : {}),
    clientAuth: clientAuth as TlsClientAuth,
  };
}

/** MLLP_TLS_*: the MLLP TLS listener's port, certificate and key, and the CAs of mutual TLS, checked like DIMSE's. */
function parseMllpTls(env: Env, cwd: string, mllpPort: number, problems: string[]): MllpTlsSettings {
  const { rawPort, port } = parseTlsPort('MLLP', env, mllpPort, problems);
  const { certificate, ca } = parseTlsFiles('MLLP', env, cwd, rawPort !== undefined, problems);
  const files = (['MLLP_TLS_CERT', 'MLLP_TLS_KEY', 'MLLP_TLS_CA'] as const).filter((k) => given(env, k) !== undefined);
  if (rawPort === undefined && files.length > 0) problems.push(`${files.join(', ')}: serve the MLLP TLS listener, so need MLLP_TLS_PORT`);
  return { ...(port !== undefined ? { port } : {}), ...(certificate ? { certificate } : {}), ...(ca !== undefined ? { ca } : {}) };
}

// A setting's value, undefined when unset or blank.
function given(env: Env, key: string): string | undefined {
  const raw = env[key]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

// <prefix>_TLS_PORT: unset (no TLS listener) or a port other than the plain listener's.
function parseTlsPort(prefix: 'DIMSE' | 'MLLP', env: Env, plainPort: number, problems: string[]): { rawPort?: string; port?: number } {
  const rawPort = given(env, `${prefix}_TLS_PORT`);
  if (rawPort === undefined) return {};
  const n = Number(rawPort);
  if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${prefix}_TLS_PORT=${JSON.stringify(rawPort)}: expected an integer from 0 to 65535`);
  else if (n !== 0 && n === plainPort) problems.push(`${prefix}_TLS_PORT=${n}: must differ from ${prefix}_PORT (the plain and the TLS listener each need their own port)`);
  else return { rawPort, port: n };
  return { rawPort };
}

// <prefix>_TLS_CERT, _KEY and _CA: read and checked once; a TLS port needs the certificate and its key.
function parseTlsFiles(prefix: 'DIMSE' | 'MLLP' | 'AUDIT_SYSLOG' | 'HTTP', env: Env, cwd: string, listening: boolean, problems: string[]): { certificate?: TlsCertificate; ca?: string } {
  const [certKey, keyKey, caKey] = [`${prefix}_TLS_CERT`, `${prefix}_TLS_KEY`, `${prefix}_TLS_CA`];
  const read = (key: string): string | undefined => {
    const file = given(env, key);
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(path.resolve(cwd, file), 'utf8');
    } catch (err) {
      problems.push(`${key}=${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const certPem = read(certKey);
  const keyPem = read(keyKey);
  const caPem = read(caKey);

  let certificate: TlsCertificate | undefined;
  const leaf = certPem === undefined ? undefined : parseCertificates(certKey, certPem, problems)[0];
  const key = keyPem === undefined ? undefined : parsePrivateKey(keyKey, keyPem, problems);
  if (certPem !== undefined && leaf && key) {
    if (leaf.checkPrivateKey(key)) certificate = { chain: certPem, key, subject: leaf.subject, validTo: leaf.validTo };
    else problems.push(`${keyKey}=${given(env, keyKey)}: not the private key of the certificate in ${certKey}`);
  }
  const missing = [certKey, keyKey].filter((k) => given(env, k) === undefined);
  if (listening) for (const k of missing) problems.push(`${k}: required with ${prefix}_TLS_PORT (a TLS server needs a certificate and its private key)`);
  else if (missing.length === 1) problems.push(`${missing[0]}: required with ${missing[0] === certKey ? keyKey : certKey} (a certificate and its private key go together)`);
  const ca = caPem !== undefined && parseCertificates(caKey, caPem, problems).length > 0 ? caPem : undefined;
  return { ...(certificate ? { certificate } : {}), ...(ca !== undefined ? { ca } : {}) };
}

// HL7_RECEIVING_FACILITIES: FACILITY=tenant pairs, FACILITY being the namespace ID of MSH-6 (HD.1).
function parseReceivingFacilities(text: string, tenants: readonly string[], problems: string[]): Record<string, string> {
  const facilities: Record<string, string> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [facility = '', tenant = ''] = entry.split('=').map((x) => x.trim());
    // HL7 v2.5.1 2.A.33: HD.1 is an IS value of up to 20 characters; none of the default delimiters here.
    if (!/^[\x20-\x7e]{1,20}$/.test(facility) || /[|^~\\&]/.test(facility)) problems.push(`HL7_RECEIVING_FACILITIES: "${facility}" is not a facility namespace ID (1-20 printable ASCII characters, none of |^~\\&)`);
    else if (!tenants.includes(tenant)) problems.push(`HL7_RECEIVING_FACILITIES: facility ${facility} maps to "${tenant}", which is not in TESSERA_TENANTS`);
    else if (facilities[facility] !== undefined) problems.push(`HL7_RECEIVING_FACILITIES: facility ${facility} is given twice`);
    else facilities[facility] = tenant;
  }
  return facilities;
}

// HL7_RESULTS_DESTINATIONS: tenant=host:port pairs, mllps://host:port for TLS (mllp:// is plain too).
function parseResultsDestinations(text: string, tenants: readonly string[], problems: string[]): Record<string, Hl7ResultsDestination> {
  const destinations: Record<string, Hl7ResultsDestination> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const tenant = entry.slice(0, Math.max(at, 0)).trim();
    const target = entry.slice(at + 1).trim();
    const m = /^(?:(mllps?):\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(target);
    if (at < 0 || !tenants.includes(tenant)) problems.push(`HL7_RESULTS_DESTINATIONS: "${entry}" does not name a tenant of TESSERA_TENANTS (tenant=host:port)`);
    else if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) problems.push(`HL7_RESULTS_DESTINATIONS: "${target}" for ${tenant} is not host:port, mllp://host:port or mllps://host:port`);
    else if (destinations[tenant] !== undefined) problems.push(`HL7_RESULTS_DESTINATIONS: tenant ${tenant} is given twice`);
    else destinations[tenant] = { host: (m[2] as string).replace(/^\[|\]$/g, ''), port: Number(m[3]), tls: m[1] === 'mllps' };
  }
  return destinations;
}

// Every certificate of a PEM file (a chain or a CA bundle); none, or one that does not parse, is a problem.
function parseCertificates(key: string, text: string, problems: string[]): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    problems.push(`${key}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file`);
    return [];
  }
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch (err) {
    problems.push(`${key}: a certificate in the file does not parse (${(err as Error).message})`);
    return [];
  }
}

function parsePrivateKey(key: string, text: string, problems: string[]): KeyObject | undefined {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    problems.push(`${key}: the key is encrypted; give it unencrypted and protect the file instead (a secret, mode 0400)`);
    return undefined;
  }
  try {
    return createPrivateKey(text);
  } catch (err) {
    problems.push(`${key}: not a PEM private key (${(err as Error).message})`);
    return undefined;
  }
}

// HTTP_CORS_ORIGINS: empty (no CORS), '*', or comma-separated origins as browsers send them
// (scheme://host[:port], no path): the Origin header is compared with them exactly.
function corsOrigins(raw: string | undefined, problems: string[]): string[] | '*' {
  const text = (raw ?? '').trim();
  if (text === '*') return '*';
  const list = text.split(',').map((o) => o.trim()).filter(Boolean);
  const bad = list.filter((o) => !/^https?:\/\/[^/\s:]+(:\d{1,5})?$/.test(o));
  if (bad.length > 0) problems.push(`HTTP_CORS_ORIGINS=${JSON.stringify(text)}: expected * or comma-separated origins such as https://viewer.example.org (scheme, host and port, no path)`);
  return list.map((o) => o.toLowerCase());
}

// HTTP_TRUST_PROXY: empty or false, true, or the gateway's addresses/CIDRs (only those are believed).
function trustedProxies(raw: string | undefined, problems: string[]): boolean | string[] {
  const text = (raw ?? '').trim();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  const list = text.split(',').map((a) => a.trim()).filter(Boolean);
  const bad = list.filter((a) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a));
  if (bad.length > 0) problems.push(`HTTP_TRUST_PROXY=${JSON.stringify(text)}: expected true, false or comma-separated addresses/CIDRs of the gateway`);
  return list;
}

function parseRoles(text: string, problems: string[]): Role[] {
  const names = text.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    problems.push(`TESSERA_ROLES/--roles=${JSON.stringify(text)}: expected a comma-separated list of ${ROLES.join(', ')}`);
    return [...ROLES];
  }
  return ROLES.filter((r) => names.includes(r));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function parseDatabaseUrl(url: string, cwd: string, problems: string[]): DatabaseSettings {
  if (url.startsWith('pglite:')) {
    const dir = url.slice('pglite:'.length);
    if (!dir) problems.push('DATABASE_URL=pglite: needs a directory, e.g. pglite:./data/db');
    return { kind: 'pglite', dataDir: path.resolve(cwd, dir) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      problems.push('DATABASE_URL: not a valid postgres:// URL');
    }
    return { kind: 'postgres', url };
  }
  problems.push(`DATABASE_URL=${redact(url)}: expected pglite:<dir> or postgres://user:password@host:port/database`);
  return { kind: 'pglite', dataDir: path.resolve(cwd, './data/db') };
}

function parseBlobUrl(url: string, env: Env, cwd: string, problems: string[]): BlobSettings {
  if (url.startsWith('file:')) {
    const dir = url.slice('file:'.length);
    if (!dir) problems.push('BLOB_URL=file: needs a directory, e.g. file:./data/blobs');
    return { kind: 'file', root: path.resolve(cwd, dir) };
  }
  if (url.startsWith('s3://') || url.startsWith('s3+http://')) {
    let parsed: URL;
    try {
      parsed = new URL(url.replace(/^s3(\+http)?:/, 'http:'));
    } catch {
      problems.push(`BLOB_URL=${redact(url)}: not a valid URL`);
      return { kind: 'file', root: path.resolve(cwd, './data/blobs') };
    }
    const useSSL = url.startsWith('s3://');
    const bucket = parsed.pathname.replace(/^\//, '').replace(/\/$/, '');
    // S3 bucket naming rules (3-63 lower-case letters, digits, dots, dashes).
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push(`BLOB_URL=${redact(url)}: the path must be a bucket name (3-63 lower-case letters, digits, dots, dashes)`);
    const accessKey = decodeURIComponent(parsed.username) || env.S3_ACCESS_KEY || '';
    const secretKey = decodeURIComponent(parsed.password) || env.S3_SECRET_KEY || '';
    if (!accessKey) problems.push('S3_ACCESS_KEY: required for an s3 BLOB_URL (or give it in the URL)');
    if (!secretKey) problems.push('S3_SECRET_KEY: required for an s3 BLOB_URL (or give it in the URL)');
    return {
      kind: 's3',
      endPoint: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : useSSL ? 443 : 80,
      useSSL,
      bucket,
      accessKey,
      secretKey,
      region: env.S3_REGION?.trim() || 'us-east-1',
    };
  }
  problems.push(`BLOB_URL=${redact(url)}: expected file:<dir>, s3://host[:port]/bucket or s3+http://host[:port]/bucket`);
  return { kind: 'file', root: path.resolve(cwd, './data/blobs') };
}

function parseBusUrl(url: string, problems: string[], kafka: { partitions: number; replicationFactor: number; clientId: string; topicPrefix: string }): BusSettings {
  if (url === 'memory:') return { kind: 'memory' };
  if (url.startsWith('kafka://')) {
    const brokers = url.slice('kafka://'.length).split(',').map((b) => b.trim()).filter(Boolean);
    const bad = brokers.filter((b) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b));
    if (brokers.length === 0 || bad.length > 0) problems.push(`BUS_URL=${url}: expected kafka://host:port[,host:port…]`);
    return { kind: 'kafka', brokers, ...kafka };
  }
  problems.push(`BUS_URL=${url}: expected memory: or kafka://host:port[,host:port…]`);
  return { kind: 'memory' };
}

// Settings may hold credentials; messages show the URL without them.
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
