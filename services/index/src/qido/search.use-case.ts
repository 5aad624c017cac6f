import { composeQueryMatch, parseQidoQuery, levelOfTag, resolveBulkDataUris, tagKey, Tags, QueryError, withPatientAttributes, type DicomJsonDataset, type QueryLevel } from '@tessera/dicom';
import type { InstanceIndex, SeriesRecord } from '@tessera/index-store';
import { seriesAvailable, studyAvailable } from '../query/available';

/** What a QIDO-RS request asks (PS3.18 10.6). */
export interface SearchCommand {
  readonly tenant: string;
  readonly level: QueryLevel;
  readonly study?: string;
  readonly series?: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** The DICOMweb base URL that RetrieveURLs are built on. */
  readonly baseUrl: string;
}

export type SearchResult =
  | { readonly kind: 'matches'; readonly matches: DicomJsonDataset[]; readonly truncated: boolean; readonly warnings: readonly string[] }
  | { readonly kind: 'invalid'; readonly message: string };

/** Results one response carries at most; more are announced with a warning (PS3.18 8.3.4.4). */
export const MAX_RESULTS = 1000;

const LEVEL_DEPTH: Record<ReturnType<typeof levelOfTag>, number> = { PATIENT: 0, STUDY: 1, SERIES: 2, IMAGE: 3 };

/** QIDO-RS searches for studies, series and instances (PS3.18 10.6) over the index. */
export class SearchUseCase {
  constructor(private readonly index: InstanceIndex) {}

  async execute(command: SearchCommand): Promise<SearchResult> {
    let query;
    try {
      query = parseQidoQuery(command.level, command.params);
      for (const key of query.keys) {
        // A key of a lower level than the query's cannot be matched at it (PS3.4 C.4.1.2.1).
        if (LEVEL_DEPTH[levelOfTag(key.tag)] > LEVEL_DEPTH[command.level]) {
          throw new QueryError(`${tagKey(key.tag)} is an attribute of a lower level than ${command.level}; it cannot be a matching key here`);
        }
      }
    } catch (err) {
      if (err instanceof QueryError) return { kind: 'invalid', message: err.message };
      throw err;
    }
    // fuzzymatching=true is honoured on every person name key (fuzzy-person-name.ts), so no warning
    // that it was matched literally (PS3.18 8.3.4.1) is due.
    const warnings: string[] = [];
    const base = command.baseUrl;
    const scope = { ...(command.study ? { study: command.study } : {}), ...(command.series ? { series: command.series } : {}) };
    switch (command.level) {
      case 'PATIENT':
        return { kind: 'invalid', message: 'QIDO-RS has no patient level (PS3.18 10.6)' };
      case 'STUDY': {
        const page = await this.index.searchStudies(command.tenant, query, MAX_RESULTS);
        return { kind: 'matches', truncated: page.truncated, warnings, matches: page.items.map((s) => composeQueryMatch(query, studyAvailable(s), `${base}/studies/${uid(s.attributes, Tags.StudyInstanceUID)}`)) };
      }
      case 'SERIES': {
        const page = await this.index.searchSeries(command.tenant, query, scope, MAX_RESULTS);
        return { kind: 'matches', truncated: page.truncated, warnings, matches: page.items.map((s) => composeQueryMatch(query, seriesAvailable(s), seriesUrl(base, s))) };
      }
      case 'IMAGE': {
        const page = await this.index.searchInstances(command.tenant, query, scope, MAX_RESULTS);
        return {
          kind: 'matches',
          truncated: page.truncated,
          warnings,
          matches: page.items.map((i) => {
            const url = `${seriesUrl(base, i.series)}/instances/${uid(i.metadata, Tags.SOPInstanceUID)}`;
            // The instance as stored, with its patient's current attributes (those of its study's patient).
            const current = withPatientAttributes(i.metadata, i.series.study.attributes);
            const computed: DicomJsonDataset = {
              [tagKey(Tags.InstanceAvailability)]: { vr: 'CS', Value: ['ONLINE'] },
              // The syntax it is stored in and served in without transcoding (an additional query attribute,
              // PS3.4 Table C.3-1): whole-slide viewers (wsidicom) ask for it to choose how to fetch frames.
              [tagKey(Tags.AvailableTransferSyntaxUID)]: { vr: 'UI', Value: [i.transferSyntaxUID] },
            };
            return composeQueryMatch(query, { ...resolveBulkDataUris(current, url), ...seriesAvailable(i.series), ...computed }, url);
          }),
        };
      }
    }
  }
}

function uid(dataset: DicomJsonDataset, tag: number): string {
  const value = dataset[tagKey(tag)]?.Value?.[0];
  return typeof value === 'string' ? value : '';
}

function seriesUrl(base: string, s: SeriesRecord): string {
  return `${base}/studies/${uid(s.study.attributes, Tags.StudyInstanceUID)}/series/${uid(s.attributes, Tags.SeriesInstanceUID)}`;
}
