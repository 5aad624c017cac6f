import { createLogger } from '@tessera/telemetry';
import { PeriodicRound, type RoundSchedule } from './periodic-round';

class Rounds extends PeriodicRound {
  constructor(round: () => Promise<unknown>, lines: string[], schedule: RoundSchedule) {
    super(round, createLogger({ level: 'error', format: 'json', write: (line) => lines.push(line) }), 'the round failed; retrying', schedule);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PeriodicRound', () => {
  it('runs a round at start when asked, never two at once, and one more after a wake during a round', async () => {
    let running = 0;
    let overlapped = false;
    let rounds = 0;
    let release: () => void = () => undefined;
    const rounds$ = new Rounds(
      async () => {
        running += 1;
        overlapped ||= running > 1;
        rounds += 1;
        await new Promise<void>((resolve) => (release = resolve));
        running -= 1;
      },
      [],
      { everyMs: 60_000, atStart: true },
    );
    rounds$.onApplicationBootstrap();
    expect(rounds).toBe(1);
    rounds$.wake();
    rounds$.wake();
    release();
    await sleep(5);
    expect(rounds).toBe(2); // the two wakes during the first round made one round after it
    release();
    await sleep(5);
    expect([rounds, overlapped]).toEqual([2, false]);
    await rounds$.onModuleDestroy();
  });

  it('logs a failed round and runs the next on schedule; nothing runs after the module is destroyed', async () => {
    const lines: string[] = [];
    let rounds = 0;
    const rounds$ = new Rounds(
      async () => {
        rounds += 1;
        if (rounds === 1) throw new Error('database down');
      },
      lines,
      { everyMs: 10 },
    );
    rounds$.onApplicationBootstrap();
    await sleep(60);
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(lines[0] as string)).toEqual(expect.objectContaining({ msg: 'the round failed; retrying', error: 'database down' }));
    await rounds$.onModuleDestroy();
    const after = rounds;
    rounds$.wake();
    await sleep(30);
    expect(rounds).toBe(after);
  });
});
