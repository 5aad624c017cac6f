/**
 * Replaces UIDs for the U action of PS3.15 E.1.1: "a non-zero length UID that is internally consistent
 * within a set of Instances". Within one project (a research export, a tenant's de-identified view) the
 * same original UID must always map to the same new one, in every file and every run, so that
 * references between instances (Referenced SOP Instance UID, Frame of Reference UID…) still resolve.
 */
export interface UidMapper {
  /** The replacement of every given UID (the map has an entry for each), asked for in one call per object. */
  mapUids(uids: readonly string[]): Promise<ReadonlyMap<string, string>>;
}
