import type { DeidOption } from './deid-option';

/**
 * The action codes of PS3.15 E.1.1 (Table E.1-1a): D dummy, Z zero length, X remove, K keep, C clean,
 * U replace UIDs, and the combined ones that depend on IOD conformance (Type 1, 2 or 3).
 */
export type ProfileAction = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';

/** What an option column of Table E.1-1 says for a row (only K and C appear in the current edition). */
export type OptionAction = 'K' | 'C';

/** The option columns of a row that have an action. */
export type OptionActions = Readonly<Partial<Record<DeidOption, OptionAction>>>;

/** One row of Table E.1-1: tag ("GGGGEEEE", "x" for a repeating-group digit), name, Basic Profile action, option actions. */
export type ProfileRow = readonly [tag: string, name: string, basic: ProfileAction, options?: OptionActions];
