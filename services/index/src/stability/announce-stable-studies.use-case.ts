import { StudyStableV1 } from '@tessera/contracts';
import { personNameValue, stringValue, tagKey, Tags } from '@tessera/dicom';
import type { SettledStudy, StudyStability } from '@tessera/index-store';
import { outboxEntry } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { randomUUID } from 'node:crypto';

// Studies announced per transaction: a backlog (after an outage) goes in several.
const BATCH = 100;

/**
 * Announces the studies that have received no new instance for STUDY_STABLE_AFTER_S: a
 * study.stable.v1 event each, with the order the study was matched to, recorded in the outbox in the
 * transaction that marks the study announced (ARCHITECTURE §1: the index role's "stable" detection).
 */
export class AnnounceStableStudiesUseCase {
  constructor(
    private readonly stability: StudyStability,
    private readonly notify: () => void,
    private readonly logger: Logger,
    private readonly options: { readonly source: string; readonly stableAfterMs: number },
  ) {}

  /** Announces every study due at `now`; returns how many. */
  async execute(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const settled = await this.stability.settle(now, BATCH, (study) => [this.event(study, now)]);
      total += settled.length;
      for (const s of settled) this.logger.info('study stable', { tenant: s.tenant, studyInstanceUID: s.studyInstanceUID, instances: s.numberOfInstances, order: s.order?.accessionNumber });
      if (settled.length > 0) this.notify();
      if (settled.length < BATCH) return total;
    }
  }

  private event(study: SettledStudy, now: Date) {
    const p = study.patientAttributes;
    const name = personNameValue(p, tagKey(Tags.PatientName))?.Alphabetic;
    const birthDate = stringValue(p, tagKey(Tags.PatientBirthDate));
    const sex = stringValue(p, tagKey(Tags.PatientSex));
    return outboxEntry(
      StudyStableV1,
      { tenant: study.tenant, source: this.options.source, correlationId: randomUUID() },
      {
        studyInstanceUID: study.studyInstanceUID,
        ...(study.accessionNumber ? { accessionNumber: study.accessionNumber } : {}),
        patient: study.patient,
        demographics: { ...(name ? { patientName: name } : {}), ...(birthDate ? { patientBirthDate: birthDate } : {}), ...(sex ? { patientSex: sex } : {}) },
        modalitiesInStudy: [...study.modalitiesInStudy],
        numberOfSeries: study.numberOfSeries,
        numberOfInstances: study.numberOfInstances,
        lastInstanceAt: study.lastInstanceAt.toISOString(),
        stableAfterSeconds: Math.round(this.options.stableAfterMs / 1000),
        ...(study.order ? { order: { ...study.order } } : {}),
      },
      now,
    );
  }
}
