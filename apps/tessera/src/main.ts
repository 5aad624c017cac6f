import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig, SETTING_KEYS, type TesseraConfig } from '@tessera/config';
import { DimseListener, DimseServiceRegistry, openBus, openMigratedDatabase, OUTBOX_RELAY, registerHttpEdges, tenantResolver } from '@tessera/platform';
import type { OutboxRelay } from '@tessera/outbox';
import { MllpListener } from '@tessera/service-hl7';
import { createLogger, startTracing, type Logger } from '@tessera/telemetry';
import { BCP195_NON_DOWNGRADING } from '@tessera/dicom';
import { AppModule, needsOf } from './app.module';
import { NestLogger } from './nest-logger';
import { startupSummary } from './startup-summary';

const USAGE = `Usage: tessera [serve] [--roles ingest,index,storage,routing,hl7,auth]
       tessera migrate          apply database migrations and exit
       tessera create-topics    create the Kafka topics and exit
Settings come from the environment: ${SETTING_KEYS.join(', ')}.`;

function parseArgs(argv: readonly string[]): { command: string; roles?: string } {
  let command = 'serve';
  let roles: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--roles') roles = argv[++i];
    else if (arg.startsWith('--roles=')) roles = arg.slice('--roles='.length);
    else if (arg === '--help' || arg === '-h') command = 'help';
    else if (!arg.startsWith('-')) command = arg;
    else throw new Error(`Unknown option ${arg}`);
  }
  return { command, ...(roles !== undefined ? { roles } : {}) };
}

async function serve(config: TesseraConfig, logger: Logger): Promise<void> {
  const stopTracing = config.telemetry.otlpEndpoint ? startTracing(config.telemetry.serviceName, config.telemetry.otlpEndpoint) : undefined;
  const tenants = tenantResolver(config);
  // HTTPS on the HTTP port when a certificate is configured, with the BCP 195 profile of DICOM TLS and MLLP.
  const https = config.http.tls ? { https: { ...BCP195_NON_DOWNGRADING, cert: config.http.tls.chain, key: config.http.tls.key.export({ type: 'pkcs8', format: 'pem' }) } } : {};
  const adapter = new FastifyAdapter({
    logger: false,
    requestIdHeader: 'x-request-id',
    trustProxy: typeof config.http.trustProxy === 'boolean' ? config.http.trustProxy : [...config.http.trustProxy],
    rewriteUrl: (request: import('node:http').IncomingMessage) => tenants.rewriteUrl(request),
    ...https,
  });
  // STOW-RS bodies are streamed to the object store part by part, never parsed or buffered here.
  adapter.getInstance().addContentTypeParser('multipart/related', (_request, payload, done) => done(null, payload));
  // Other unknown media types stay unread too, so that STOW-RS can refuse them with its own 415.
  adapter.getInstance().addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // Nest's own body parsers stay off: Fastify's JSON parser serves the admin REST, and a form post
  // (the OpenID provider's token endpoint) reaches its handler unread, through the parser above.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, { logger: new NestLogger(logger), bodyParser: false });
  // CORS and compression before the routes, which Nest registers when it starts listening. (Nest's
  // adapter carries its own copy of Fastify 5's types; the instance is the same Fastify at run time.)
  await registerHttpEdges(app.getHttpAdapter().getInstance() as unknown as FastifyInstance, config.http);
  app.getHttpServer().on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
  await app.listen(config.http.port, config.http.host);
  // Consumers have subscribed during bootstrap; only now may the outbox relay start delivering. A
  // process whose roles need no database and bus has none, and asking Nest for a provider it lacks
  // ends the process (abortOnError), so the roles decide.
  const needs = needsOf(config.roles);
  const relay = needs.database && needs.bus ? app.get<OutboxRelay>(OUTBOX_RELAY) : undefined;
  relay?.start();
  // Orderly shutdown on SIGTERM (Kubernetes) and SIGINT: listeners and consumers stop, the
  // infrastructure closes, the last spans are flushed, then the process exits.
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    await app.close();
    await stopTracing?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  announce(config, app, logger);
}

function announce(config: TesseraConfig, app: NestFastifyApplication, logger: Logger): void {
  const address = app.getHttpServer().address();
  const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
  const dimse = app.get(DimseListener);
  const dimseServices = app.get(DimseServiceRegistry).all.map((s) => s.name);
  // Only a process with the hl7 role has an MLLP listener.
  const mllp = config.roles.includes('hl7') ? app.get(MllpListener) : { port: 0, tlsPort: 0 };
  process.stdout.write(`${startupSummary(config, { httpPort, dimsePort: dimse.port, dimseTlsPort: dimse.tlsPort, dimseServices, mllpPort: mllp.port, mllpTlsPort: mllp.tlsPort }).join('\n')}\n`);
  logger.info('started', {
    roles: config.roles,
    httpPort,
    ...(dimse.port > 0 ? { dimsePort: dimse.port, dimseServices } : {}),
    ...(dimse.tlsPort > 0 ? { dimseTlsPort: dimse.tlsPort } : {}),
    ...(mllp.port > 0 ? { mllpPort: mllp.port } : {}),
    ...(mllp.tlsPort > 0 ? { mllpTlsPort: mllp.tlsPort } : {}),
  });
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let config: TesseraConfig;
  try {
    config = loadConfig(process.env, args.roles !== undefined ? { roles: args.roles } : {});
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Tessera cannot start. ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: process.stdout.isTTY ? 'pretty' : 'json' }, { service: config.telemetry.serviceName });
  switch (args.command) {
    case 'serve':
      await serve(config, logger);
      return;
    case 'migrate': {
      const db = await openMigratedDatabase(config, logger);
      await db.close();
      process.stdout.write('migrations applied\n');
      return;
    }
    case 'create-topics': {
      if (config.bus.kind !== 'kafka') throw new Error('create-topics needs BUS_URL=kafka://…');
      const bus = await openBus(config, logger);
      await bus.close();
      process.stdout.write('topics ready\n');
      return;
    }
    default:
      process.stderr.write(`Unknown command ${args.command}\n${USAGE}\n`);
      process.exit(2);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`Tessera failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
