import { lookupTag, matchKey, QueryError, resolveAttribute, type MatchKey } from '@tessera/dicom';
import { SCHEDULED_STEP_INDEXED_TAGS, WORKLIST_INDEXED_TAGS, type WorklistItem, type WorklistStore } from '@tessera/worklist';

/** What a listing of worklist items asks: attribute filters, as QIDO-RS spells them, and paging. */
export interface SearchWorklistItemsCommand {
  readonly tenant: string;
  readonly params: ReadonlyArray<readonly [string, string]>;
}

export type SearchWorklistItemsResult = { readonly kind: 'items'; readonly items: WorklistItem[] } | { readonly kind: 'invalid'; readonly message: string };

/** Items per response when the request names no limit, and the most it may name. */
export const DEFAULT_WORKLIST_LIMIT = 100;
export const MAX_WORKLIST_LIMIT = 1000;

/**
 * Lists a tenant's worklist items, every status included, in schedule order. Each filter is a keyword
 * (or tag) of an indexed attribute with a value matched as in QIDO-RS (PS3.18 8.3.4, PS3.4 C.2.2.2):
 * single values, lists, wildcards, DA/TM ranges. The step's start date and time are matched each on
 * its own, not as a combined range.
 */
export class SearchWorklistItemsUseCase {
  constructor(private readonly store: WorklistStore) {}

  async execute(command: SearchWorklistItemsCommand): Promise<SearchWorklistItemsResult> {
    const keys: MatchKey[] = [];
    const stepKeys: MatchKey[] = [];
    let limit = DEFAULT_WORKLIST_LIMIT;
    let offset = 0;
    try {
      for (const [name, value] of command.params) {
        if (name === 'limit') limit = integer(name, value, 1, MAX_WORKLIST_LIMIT);
        else if (name === 'offset') offset = integer(name, value, 0, 999_999_999);
        else {
          const { tag, vr } = resolveAttribute(name);
          const target = WORKLIST_INDEXED_TAGS.has(tag) ? keys : SCHEDULED_STEP_INDEXED_TAGS.has(tag) ? stepKeys : undefined;
          if (!target) throw new QueryError(`${name} is not a filter of worklist items; filter by ${SEARCHABLE}`);
          if ([...keys, ...stepKeys].some((k) => k.tag === tag)) throw new QueryError(`${name} is given more than once`);
          target.push(matchKey(tag, vr, value));
        }
      }
    } catch (err) {
      if (err instanceof QueryError) return { kind: 'invalid', message: err.message };
      throw err;
    }
    return { kind: 'items', items: await this.store.search(command.tenant, { keys, stepKeys, limit, offset }) };
  }
}

const SEARCHABLE = [...WORKLIST_INDEXED_TAGS, ...SCHEDULED_STEP_INDEXED_TAGS].map((tag) => lookupTag(tag)?.keyword).join(', ');

function integer(name: string, value: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new QueryError(`${name} must be an integer from ${min} to ${max}, not "${value}"`);
  return n;
}
