import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AuditError, AuditErrorCode } from './audit-error';

/** One message waiting in the spool. */
export interface SpoolEntry {
  readonly sequence: number;
  readonly file: string;
}

const ENTRY = /^(\d{16})\.syslog$/;
const name = (sequence: number): string => `${String(sequence).padStart(16, '0')}.syslog`;

/**
 * A durable, ordered queue of syslog messages on disk: one file per message, named by its
 * sequence. A message is in the spool once add() resolves (written, fsynced, renamed into place,
 * directory fsynced), and leaves it only by remove(). One process owns a spool directory.
 */
export class SyslogSpool {
  private constructor(
    readonly dir: string,
    private next: number,
  ) {}

  /** Opens (creating) the spool in `dir`, forgetting writes that never completed. */
  static async open(dir: string): Promise<SyslogSpool> {
    await fs.mkdir(dir, { recursive: true });
    let last = 0;
    for (const file of await fs.readdir(dir)) {
      const m = ENTRY.exec(file);
      if (m) last = Math.max(last, Number(m[1]));
      // A temporary file is a message whose add() never resolved: its caller was told nothing.
      else if (file.endsWith('.tmp')) await fs.rm(path.join(dir, file), { force: true });
    }
    return new SyslogSpool(dir, last + 1);
  }

  /** Durably appends one message; resolves once it would survive a crash. */
  async add(message: Uint8Array): Promise<SpoolEntry> {
    const sequence = this.next++;
    const file = path.join(this.dir, name(sequence));
    const temporary = `${file}.tmp`;
    try {
      const handle = await fs.open(temporary, 'wx');
      try {
        await handle.writeFile(message);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, file);
      await this.syncDirectory();
    } catch (err) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      throw new AuditError(AuditErrorCode.SpoolUnavailable, `cannot spool an audit message in ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    return { sequence, file };
  }

  /** The waiting messages, oldest first; at most `limit`. */
  async list(limit = Infinity): Promise<SpoolEntry[]> {
    const entries: SpoolEntry[] = [];
    for (const file of await fs.readdir(this.dir)) {
      const m = ENTRY.exec(file);
      if (m) entries.push({ sequence: Number(m[1]), file: path.join(this.dir, file) });
    }
    return entries.sort((a, b) => a.sequence - b.sequence).slice(0, limit);
  }

  async read(entry: SpoolEntry): Promise<Buffer> {
    return fs.readFile(entry.file);
  }

  /** Removes delivered messages, durably. */
  async remove(entries: readonly SpoolEntry[]): Promise<void> {
    for (const e of entries) await fs.rm(e.file, { force: true });
    await this.syncDirectory();
  }

  private async syncDirectory(): Promise<void> {
    const handle = await fs.open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
