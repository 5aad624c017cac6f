import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditErrorCode } from './audit-error';
import { SyslogSpool } from './syslog-spool';

describe('SyslogSpool', () => {
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-spool-'))));
  afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

  it('keeps messages in the order they came, until they are removed', async () => {
    const spool = await SyslogSpool.open(dir);
    for (const text of ['one', 'two', 'three']) await spool.add(Buffer.from(text));
    const entries = await spool.list();
    expect(await Promise.all(entries.map(async (e) => (await spool.read(e)).toString()))).toEqual(['one', 'two', 'three']);
    expect((await spool.list(2)).map((e) => e.sequence)).toEqual([1, 2]);
    await spool.remove(entries.slice(0, 2));
    expect((await spool.list()).map((e) => e.sequence)).toEqual([3]);
  });

  it('after a restart, holds what it held, continues the order, and forgets writes that never completed', async () => {
    const first = await SyslogSpool.open(dir);
    await first.add(Buffer.from('before'));
    await fs.writeFile(path.join(dir, '0000000000000002.syslog.tmp'), 'half written');
    const second = await SyslogSpool.open(dir);
    await second.add(Buffer.from('after'));
    expect(await fs.readdir(dir)).toEqual(['0000000000000001.syslog', '0000000000000002.syslog']);
    expect(await Promise.all((await second.list()).map(async (e) => (await second.read(e)).toString()))).toEqual(['before', 'after']);
  });

  it('says so when it cannot take a message', async () => {
    const spool = await SyslogSpool.open(dir);
    await fs.rm(dir, { recursive: true });
    await expect(spool.add(Buffer.from('lost?'))).rejects.toMatchObject({ code: AuditErrorCode.SpoolUnavailable });
  });
});
