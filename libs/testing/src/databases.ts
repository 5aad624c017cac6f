import { ensureTenant, openDatabase, type Database } from '@tessera/database';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { requireInfra } from './infra';

/** A throw-away database of either kind, migrated, with its default tenant. */
export interface TestDatabase {
  readonly db: Database;
  /** The DATABASE_URL a Tessera process would use for it. */
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database on the test server (scripts/infra), dropped afterwards. */
export async function createPostgresTestDatabase(tenants: readonly string[] = ['default']): Promise<TestDatabase> {
  const admin = new URL(requireInfra().databaseUrl);
  const name = `tessera_t_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  const db = await migrated(await openDatabase({ kind: 'postgres', url: url.toString() }, { entities: [], applicationName: 'tessera-test' }), tenants);
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh PGlite database in a temporary directory, removed afterwards. */
export async function createPgliteTestDatabase(tenants: readonly string[] = ['default']): Promise<TestDatabase> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-pglite-'));
  const db = await migrated(await openDatabase({ kind: 'pglite', dataDir: dir }, { entities: [], applicationName: 'tessera-test' }), tenants);
  return {
    db,
    url: `pglite:${dir}`,
    drop: async () => {
      await db.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function migrated(db: Database, tenants: readonly string[]): Promise<Database> {
  await db.migrate();
  for (const t of tenants) await ensureTenant(db, t);
  return db;
}
