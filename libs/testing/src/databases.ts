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
      await dropDatabase(admin.toString(), name);
    },
  };
}

/**
 * Drops a test database, ending the connections left to it. FORCE may not end a backend of another
 * role (an autovacuum worker busy with the database after a heavy test: "must be a member of the role
 * whose process is being terminated"), so that case is tried again, without FORCE (which waits for,
 * and stops, autovacuum), for a few seconds. The admin connection is closed whatever happens: an open
 * one would keep jest from exiting.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}${attempt === 1 ? ' WITH (FORCE)' : ''}`);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        // 42501: insufficient privilege to end another role's backend; 55006: the database is in use.
        if ((code !== '42501' && code !== '55006') || attempt >= 10) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await c.end();
  }
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
