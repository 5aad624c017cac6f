import type { Tag } from '@tessera/dicom';
import type { DeidOption } from './deid-option';
import type { OptionAction, ProfileAction, ProfileRow } from './profile-row';
import { TABLE_E1_1 } from './table-e1-1';

interface MaskedRow {
  readonly mask: number;
  readonly value: number;
  readonly row: ProfileRow;
}

const exact = new Map<Tag, ProfileRow>();
const masked: MaskedRow[] = [];

for (const row of TABLE_E1_1) {
  const [pattern] = row;
  if (pattern.includes('x')) {
    const mask = Number.parseInt(pattern.replace(/[0-9A-F]/g, 'F').replace(/x/g, '0'), 16) >>> 0;
    masked.push({ mask, value: Number.parseInt(pattern.replace(/x/g, '0'), 16) >>> 0, row });
  } else {
    exact.set(Number.parseInt(pattern, 16) >>> 0, row);
  }
}

/** The row of Table E.1-1 for a standard tag (repeating groups such as 60xx resolved), if it has one. */
export function profileRow(tag: Tag): ProfileRow | undefined {
  const row = exact.get(tag);
  if (row) return row;
  for (const m of masked) if (((tag & m.mask) >>> 0) === m.value) return m.row;
  return undefined;
}

/**
 * The action a row calls for under the chosen options. An option column that has an action replaces
 * the Basic Profile's (PS3.15 E.3: the options modify the Basic Profile). Where two chosen options
 * disagree on a row (K from Retain Device Identity, C from Retain Longitudinal Temporal Information with
 * Modified Dates on a calibration date), the cleaning one wins: keeping would undo what the other option
 * promises to change.
 */
export function effectiveAction(row: ProfileRow, chosen: ReadonlySet<DeidOption>): ProfileAction {
  const [, , basic, options] = row;
  let action: OptionAction | undefined;
  for (const [option, optionAction] of Object.entries(options ?? {}) as [DeidOption, OptionAction][]) {
    if (!chosen.has(option)) continue;
    if (action === undefined || optionAction === 'C') action = optionAction;
  }
  return action ?? basic;
}
