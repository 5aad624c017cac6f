import { PGlite } from '@electric-sql/pglite';
import * as fs from 'node:fs/promises';
import { DataSource, type EntityManager, type EntitySchema, type MixedList } from 'typeorm';
import { MIGRATIONS } from './migrations';
import { pgliteDriver } from './pglite-pg-driver';

/** Which database to open: embedded (all-in-one) or a PostgreSQL server. */
export type DatabaseTarget = { readonly kind: 'pglite'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

/** What opening a database needs besides its location. */
export interface OpenDatabaseOptions {
  // TypeORM's own signature for entity lists.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly entities: MixedList<Function | string | EntitySchema>;
  readonly applicationName: string;
  readonly poolSize?: number;
}

/** An open database: the TypeORM DataSource plus transactions as a plain function. */
export interface Database {
  readonly dataSource: DataSource;
  readonly kind: DatabaseTarget['kind'];
  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Applies pending migrations, serialised across processes by an advisory lock. */
  migrate(): Promise<string[]>;
  /** Names of migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

// pg_advisory_lock key for migrations: "TESSERA" in ASCII.
const MIGRATION_LOCK = 0x54455353455241;

/**
 * Opens PostgreSQL or the embedded PGlite with the same entities and migrations (ARCHITECTURE §2):
 * PGlite is PostgreSQL compiled to WebAssembly, so both run the very same SQL.
 */
export async function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions): Promise<Database> {
  let pglite: PGlite | undefined;
  let dataSource: DataSource;
  const common = { entities: options.entities, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false, parseInt8: true } as const;
  if (target.kind === 'pglite') {
    await fs.mkdir(target.dataDir, { recursive: true });
    // bigint columns (object sizes) come back as numbers, as parseInt8 makes pg do.
    pglite = await PGlite.create(target.dataDir, { parsers: { 20: (value: string) => Number(value) } });
    dataSource = new DataSource({ ...common, type: 'postgres', driver: pgliteDriver(pglite), database: 'postgres', poolSize: 1 });
  } else {
    dataSource = new DataSource({ ...common, type: 'postgres', url: target.url, applicationName: options.applicationName, poolSize: options.poolSize ?? 20 });
  }
  await dataSource.initialize();

  return {
    dataSource,
    kind: target.kind,
    transaction: (work) => dataSource.transaction(work),
    pendingMigrations: async () => {
      const applied = new Set<string>();
      const hasTable = (await dataSource.query(`SELECT to_regclass('public.migrations') AS t`)) as { t: string | null }[];
      if (hasTable[0]?.t) for (const row of (await dataSource.query('SELECT name FROM migrations')) as { name: string }[]) applied.add(row.name);
      return dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !applied.has(n));
    },
    migrate: async () => {
      if (target.kind === 'pglite') return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
      // Several roles may start at once; one applies the migrations while the others wait.
      const lock = dataSource.createQueryRunner();
      await lock.connect();
      try {
        await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
        await lock.release();
      }
    },
    close: async () => {
      await dataSource.destroy();
      await pglite?.close();
    },
  };
}

/** Makes sure a tenant row exists (every row references its tenant). */
export async function ensureTenant(db: Database, id: string, name: string = id): Promise<void> {
  await db.dataSource.query('INSERT INTO tenant (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, name]);
}
