import { Inject, Module, Optional, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { FileBlobStore, S3BlobStore, type BlobStore } from '@tessera/blob-store';
import { KafkaEventBus, MemoryEventBus, type EventBus } from '@tessera/bus';
import { TypeormObjectCatalog } from '@tessera/catalog';
import { TypeormCommitmentStore } from '@tessera/commitment';
import type { TesseraConfig } from '@tessera/config';
import { ALL_TOPICS } from '@tessera/contracts';
import { ensureTenant, openDatabase, type Database } from '@tessera/database';
import { TypeormInstanceIndex, TypeormStudyStability } from '@tessera/index-store';
import { OutboxRelay } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { TypeormAeRegistry } from '@tessera/ae-registry';
import { TypeormProcedureStepStore } from '@tessera/mpps';
import { TypeormWorklistStore } from '@tessera/worklist';
import { EMBEDDED_CLAIMS, EmbeddedIssuer, JwtTokenVerifier, remoteIssuerKeys, type SignInAttempt, type TokenVerifier } from '@tessera/identity';
import { TypeormHl7Outbound, TypeormHl7Store } from '@tessera/hl7-store';
import { TypeormStudyGrants } from '@tessera/grants';
import { AuditTrail, SyslogSpool, SyslogTlsForwarder, TypeormAuditStore, type AuditStore } from '@tessera/audit';
import { hostname } from 'node:os';
import { AccessGuard } from './access/access.guard';
import { anonymousParticipant, tesseraParticipant } from './audit/audit-participants';
import { HttpAuditInterceptor } from './audit/http-audit.interceptor';
import { AE_REGISTRY, AUDIT_FORWARDER, AUDIT_STORE, AUDIT_TRAIL, BLOB_STORE, COMMITMENT_STORE, CONFIG, DATABASE, EMBEDDED_ISSUER, EVENT_BUS, HL7_OUTBOUND, HL7_STORE, INSTANCE_INDEX, LOGGER, OBJECT_CATALOG, OUTBOX_RELAY, PROCEDURE_STEPS, STUDY_GRANTS, STUDY_STABILITY, TENANT_RESOLVER, TOKEN_VERIFIER, WORKLIST_STORE } from './tokens';
import { ConfiguredTenantResolver } from './tenant-resolver';

/** Which infrastructure a process needs, from its roles. */
export interface PlatformNeeds {
  readonly database: boolean;
  readonly blobs: boolean;
  readonly bus: boolean;
}

/** Opens the infrastructure a set of roles needs, as the settings choose it (ARCHITECTURE §2). */
export async function openBus(config: TesseraConfig, logger: Logger): Promise<EventBus> {
  const bus =
    config.bus.kind === 'memory'
      ? new MemoryEventBus(logger.child({ component: 'bus' }))
      : new KafkaEventBus(
          { brokers: config.bus.brokers, clientId: config.bus.clientId, partitions: config.bus.partitions, replicationFactor: config.bus.replicationFactor, topicPrefix: config.bus.topicPrefix },
          logger.child({ component: 'kafka' }),
        );
  await bus.ensureTopics(ALL_TOPICS);
  return bus;
}

/** The tenant resolver of a configuration. */
export function tenantResolver(config: TesseraConfig): ConfiguredTenantResolver {
  return new ConfiguredTenantResolver(config.defaultTenant, config.tenants, config.aeTitles);
}

/** Opens the database, applies pending migrations and makes sure every configured tenant exists. */
export async function openMigratedDatabase(config: TesseraConfig, logger: Logger): Promise<Database> {
  const db = await openDatabase(config.database, { entities: [], applicationName: config.telemetry.serviceName });
  const applied = await db.migrate();
  if (applied.length > 0) logger.info('database migrated', { migrations: applied });
  for (const tenant of config.tenants) await ensureTenant(db, tenant);
  return db;
}

export function createBlobStore(config: TesseraConfig): BlobStore {
  return config.blob.kind === 'file' ? new FileBlobStore(config.blob.root) : new S3BlobStore(config.blob);
}

/** A sign-in at the embedded provider, in the trail of each tenant the account belongs to (an unknown account: the system's). */
function auditSignIn(trail: AuditTrail | undefined, logger: Logger, issuer: string, attempt: SignInAttempt): void {
  for (const tenant of attempt.tenants.length > 0 ? attempt.tenants : [undefined]) {
    trail
      ?.record({
        type: 'user-authentication',
        ...(tenant !== undefined ? { tenant } : {}),
        activity: 'login',
        outcome: attempt.success ? { indicator: 0 } : { indicator: 4, description: attempt.reason ?? 'refused' },
        user: anonymousParticipant(attempt.address, attempt.who),
        authenticator: tesseraParticipant(issuer),
      })
      .catch((err: Error) => logger.error('audit record not written', { reason: err.message, event: 'user-authentication' }));
  }
}

/** The HTTP token check of a configuration: the embedded provider's own keys, or an external issuer's. */
function authProviders(config: TesseraConfig, logger: Logger): Provider[] {
  const { auth } = config;
  if (auth.kind === 'external') {
    const verifier = new JwtTokenVerifier(auth, remoteIssuerKeys(auth.issuer, auth.jwksUrl));
    return [{ provide: TOKEN_VERIFIER, useValue: verifier }];
  }
  return [
    {
      provide: EMBEDDED_ISSUER,
      // Every token request is a sign-in the audit trail records (PS3.15 A.5.3 User Authentication).
      useFactory: (trail: AuditTrail | undefined) =>
        EmbeddedIssuer.open({
          ...auth,
          tenants: config.tenants,
          onSignIn: (attempt) => auditSignIn(trail, logger, auth.issuer, attempt),
        }),
      inject: [{ token: AUDIT_TRAIL, optional: true }],
    },
    {
      provide: TOKEN_VERIFIER,
      useFactory: (issuer: EmbeddedIssuer): TokenVerifier => new JwtTokenVerifier({ issuer: auth.issuer, audience: auth.audience, clockToleranceSeconds: 0, ...EMBEDDED_CLAIMS }, issuer.keySet()),
      inject: [EMBEDDED_ISSUER],
    },
  ];
}

/**
 * The audit trail (IHE ATNA): records in the database, each tenant's chained by hash, and when a
 * collector is configured, forwarded over syslog on TLS from a spool that survives restarts.
 */
function auditProviders(config: TesseraConfig, logger: Logger): Provider[] {
  const { audit } = config;
  const log = logger.child({ component: 'audit-syslog' });
  return [
    {
      provide: AUDIT_FORWARDER,
      useFactory: async (): Promise<SyslogTlsForwarder | undefined> => {
        if (!audit.syslog) return undefined;
        const { host, port, serverName, certificate, ca, confirmMs } = audit.syslog;
        const forwarder = new SyslogTlsForwarder(
          await SyslogSpool.open(audit.spoolDir),
          { hostname: hostname(), appName: 'tessera', procId: String(process.pid) },
          { host, port, confirmAfterMs: confirmMs, ...(serverName ? { servername: serverName } : {}), ...(ca ? { ca } : {}), ...(certificate ? { cert: certificate.chain, key: certificate.key.export({ type: 'pkcs8', format: 'pem' }) } : {}) },
          { failed: (err, retryInMs) => log.warn('audit collector unreachable; messages wait in the spool', { reason: err.message, retryInMs, spool: audit.spoolDir }) },
        );
        forwarder.start();
        return forwarder;
      },
    },
    { provide: AUDIT_STORE, useFactory: (db: Database) => new TypeormAuditStore(db, { source: `audit@${hostname()}` }), inject: [DATABASE] },
    {
      provide: AUDIT_TRAIL,
      useFactory: (store: AuditStore, forwarder: SyslogTlsForwarder | undefined) => new AuditTrail(store, forwarder, { source: { auditSourceId: audit.sourceId } }),
      inject: [AUDIT_STORE, AUDIT_FORWARDER],
    },
  ];
}

class PlatformLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(AUDIT_FORWARDER) private readonly auditForwarder?: SyslogTlsForwarder,
    @Optional() @Inject(OUTBOX_RELAY) private readonly relay?: OutboxRelay,
    @Optional() @Inject(EVENT_BUS) private readonly bus?: EventBus,
    @Optional() @Inject(DATABASE) private readonly db?: Database,
  ) {}

  // Role modules stop their listeners and consumers first (onModuleDestroy); then this closes what
  // they used, in dependency order.
  async onApplicationShutdown(): Promise<void> {
    await this.auditForwarder?.stop();
    await this.relay?.stop();
    await this.bus?.close();
    await this.db?.close();
    this.logger.info('infrastructure closed');
  }
}

@Module({})
export class PlatformModule {
  static forRoot(config: TesseraConfig, logger: Logger, needs: PlatformNeeds): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useValue: config },
      { provide: LOGGER, useValue: logger },
      { provide: TENANT_RESOLVER, useValue: tenantResolver(config) },
      ...authProviders(config, logger),
      PlatformLifecycle,
    ];
    if (needs.database) {
      providers.push(
        { provide: DATABASE, useFactory: () => openMigratedDatabase(config, logger) },
        { provide: OBJECT_CATALOG, useFactory: (db: Database) => new TypeormObjectCatalog(db), inject: [DATABASE] },
        { provide: INSTANCE_INDEX, useFactory: (db: Database) => new TypeormInstanceIndex(db, { studyStableAfterMs: config.index.studyStableAfterMs }), inject: [DATABASE] },
        { provide: STUDY_STABILITY, useFactory: (db: Database) => new TypeormStudyStability(db), inject: [DATABASE] },
        { provide: AE_REGISTRY, useFactory: (db: Database) => new TypeormAeRegistry(db), inject: [DATABASE] },
        { provide: COMMITMENT_STORE, useFactory: (db: Database) => new TypeormCommitmentStore(db), inject: [DATABASE] },
        { provide: PROCEDURE_STEPS, useFactory: (db: Database) => new TypeormProcedureStepStore(db), inject: [DATABASE] },
        { provide: WORKLIST_STORE, useFactory: (db: Database) => new TypeormWorklistStore(db), inject: [DATABASE] },
        ...auditProviders(config, logger),
        { provide: STUDY_GRANTS, useFactory: (db: Database) => new TypeormStudyGrants(db), inject: [DATABASE] },
        { provide: HL7_STORE, useFactory: (db: Database) => new TypeormHl7Store(db), inject: [DATABASE] },
        { provide: HL7_OUTBOUND, useFactory: (db: Database) => new TypeormHl7Outbound(db), inject: [DATABASE] },
      );
    }
    if (needs.blobs) {
      providers.push({
        provide: BLOB_STORE,
        useFactory: async () => {
          const blobs = createBlobStore(config);
          await blobs.init();
          return blobs;
        },
      });
    }
    if (needs.bus) providers.push({ provide: EVENT_BUS, useFactory: () => openBus(config, logger) });
    if (needs.bus && needs.database) {
      providers.push({
        provide: OUTBOX_RELAY,
        useFactory: (db: Database, bus: EventBus) => new OutboxRelay(db, bus, logger.child({ component: 'outbox-relay' })),
        inject: [DATABASE, EVENT_BUS],
      });
    }
    const exported = providers.filter((p) => p !== PlatformLifecycle);
    // Every route of every role passes the access guard, and audited ones the audit trail (issue 6).
    return { module: PlatformModule, global: true, providers: [...providers, { provide: APP_GUARD, useClass: AccessGuard }, { provide: APP_INTERCEPTOR, useClass: HttpAuditInterceptor }], exports: exported };
  }
}
