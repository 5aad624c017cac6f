import type { OutboxEntry } from '@tessera/outbox';
import type { SettledStudy, StudyStability } from './study-stability.port';

/** The in-memory twin of study stability, for unit tests: studies and their deadlines are given to it. */
export class MemoryStudyStability implements StudyStability {
  private readonly due = new Map<string, { study: SettledStudy; stableAt: Date; announced: boolean }>();
  /** The outbox. */
  readonly events: OutboxEntry[] = [];

  /** A study took in an instance: its deadline moves and it is to be announced again. */
  touch(study: SettledStudy, stableAt: Date): void {
    this.due.set(`${study.tenant}/${study.studyInstanceUID}`, { study, stableAt, announced: false });
  }

  async settle(now: Date, limit: number, announce: (study: SettledStudy) => readonly OutboxEntry[]): Promise<SettledStudy[]> {
    const settled = [...this.due.values()]
      .filter((d) => !d.announced && d.stableAt.getTime() <= now.getTime())
      .sort((a, b) => a.stableAt.getTime() - b.stableAt.getTime())
      .slice(0, limit);
    for (const d of settled) {
      this.events.push(...announce(d.study));
      d.announced = true;
    }
    return settled.map((d) => d.study);
  }
}
