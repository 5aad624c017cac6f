import type { PGlite, Results } from '@electric-sql/pglite';
import { EventEmitter } from 'node:events';

type Callback = (err: Error | null, result?: PgResult) => void;

interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

/**
 * The slice of the `pg` module that TypeORM's postgres driver uses (Pool, connect, query, end),
 * implemented over an embedded PGlite database. PGlite is one session, so a connection taken from
 * the "pool" holds it exclusively until released; transactions therefore never interleave.
 */
export function pgliteDriver(db: PGlite): unknown {
  let tail: Promise<void> = Promise.resolve();

  const acquire = (): Promise<() => void> => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const granted = tail.then(() => release);
    tail = tail.then(() => held);
    return granted;
  };

  const run = async (text: string, params: unknown[] | undefined): Promise<PgResult> => {
    // Parameterless text may hold several statements (migrations); the simple protocol runs them all.
    const result: Results = params && params.length > 0 ? await db.query(text, params) : ((await db.exec(text)).at(-1) ?? { rows: [], fields: [] });
    return {
      rows: result.rows,
      rowCount: result.affectedRows ?? result.rows.length,
      command: commandOf(text),
      fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    };
  };

  // TypeORM listens for 'error' and 'notice' on connections; PGlite raises neither.
  class Client extends EventEmitter {
    query(text: string | { text: string; values?: unknown[] }, paramsOrCallback?: unknown[] | Callback, callback?: Callback): Promise<PgResult> | undefined {
      const sql = typeof text === 'string' ? text : text.text;
      const params = Array.isArray(paramsOrCallback) ? paramsOrCallback : typeof text === 'string' ? undefined : text.values;
      const cb = typeof paramsOrCallback === 'function' ? paramsOrCallback : callback;
      const promise = run(sql, params);
      if (!cb) return promise;
      promise.then(
        (r) => cb(null, r),
        (e: Error) => cb(e),
      );
      return undefined;
    }
  }

  class Pool {
    on(): this {
      return this;
    }
    connect(callback?: (err: Error | null, client?: Client, release?: () => void) => void): Promise<Client & { release(): void }> | undefined {
      const promise = acquire().then((release) => {
        let released = false;
        const client = Object.assign(new Client(), {
          release: () => {
            if (!released) {
              released = true;
              release();
            }
          },
        });
        return client;
      });
      if (!callback) return promise;
      promise.then(
        (client) => callback(null, client, client.release),
        (err: Error) => callback(err),
      );
      return undefined;
    }
    end(callback?: (err?: Error) => void): void {
      callback?.();
    }
  }

  return { Pool, Client, defaults: {}, types: { setTypeParser: () => undefined } };
}

function commandOf(sql: string): string {
  const word = /^\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)/.exec(sql);
  return (word?.[1] ?? '').toUpperCase();
}
