import { STORAGE_SOP_CLASS_REGISTRY } from './dictionary/uids.generated';

/** SOP Class UIDs the core refers to by name. */
export const SopClassUIDs = {
  Verification: '1.2.840.10008.1.1',
  /** Modality Performed Procedure Step SOP Class (PS3.4 F.7.3). */
  ModalityPerformedProcedureStep: '1.2.840.10008.3.1.2.3.3',
} as const;

const STORAGE = new Map(STORAGE_SOP_CLASS_REGISTRY.map((c) => [c.uid, c]));

/** True for a Storage SOP Class of PS3.4 Annex B (PS3.6 Table A-1), retired ones included. */
export function isStorageSopClass(uid: string): boolean {
  return STORAGE.has(uid);
}

/** Every Storage SOP Class UID, for presentation-context negotiation and the conformance statement. */
export function storageSopClassUids(): readonly string[] {
  return [...STORAGE.keys()];
}

/** The registered name of a storage SOP class, for logs and docs. */
export function storageSopClassName(uid: string): string | undefined {
  return STORAGE.get(uid)?.name;
}
