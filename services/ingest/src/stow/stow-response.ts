import { Tags, tagKey, type DicomJsonDataset } from '@tessera/dicom';
import { storeFailureStatus } from '../dimse/store-status';
import type { InstanceIdentity, StoreInstanceResult } from '../store-instance.use-case';

/** The Store Instances Response Module (PS3.18 10.5.3) and its HTTP status. */
export function stowResponse(results: readonly { identity: InstanceIdentity; result: StoreInstanceResult }[], baseUrl: string): { status: number; body: DicomJsonDataset } {
  const referenced: DicomJsonDataset[] = [];
  const failed: DicomJsonDataset[] = [];
  const studies = new Set<string>();
  for (const { identity, result } of results) {
    if (result.outcome === 'failed') {
      failed.push({
        ...(identity.sopClassUID ? { [tagKey(Tags.ReferencedSOPClassUID)]: { vr: 'UI', Value: [identity.sopClassUID] } } : {}),
        ...(identity.sopInstanceUID ? { [tagKey(Tags.ReferencedSOPInstanceUID)]: { vr: 'UI', Value: [identity.sopInstanceUID] } } : {}),
        [tagKey(Tags.FailureReason)]: { vr: 'US', Value: [storeFailureStatus(result.reason)] },
      });
      continue;
    }
    const o = result.object;
    studies.add(o.studyInstanceUID);
    referenced.push({
      [tagKey(Tags.RetrieveURL)]: { vr: 'UR', Value: [`${baseUrl}/studies/${o.studyInstanceUID}/series/${o.seriesInstanceUID}/instances/${o.sopInstanceUID}`] },
      [tagKey(Tags.ReferencedSOPClassUID)]: { vr: 'UI', Value: [o.sopClassUID] },
      [tagKey(Tags.ReferencedSOPInstanceUID)]: { vr: 'UI', Value: [o.sopInstanceUID] },
    });
  }
  const body: DicomJsonDataset = {};
  if (studies.size === 1) body[tagKey(Tags.RetrieveURL)] = { vr: 'UR', Value: [`${baseUrl}/studies/${[...studies][0] as string}`] };
  if (failed.length > 0) body[tagKey(Tags.FailedSOPSequence)] = { vr: 'SQ', Value: failed };
  if (referenced.length > 0) body[tagKey(Tags.ReferencedSOPSequence)] = { vr: 'SQ', Value: referenced };
  // PS3.18 10.5.3: all stored 200, some 202, none 409.
  const status = failed.length === 0 ? 200 : referenced.length > 0 ? 202 : 409;
  return { status, body };
}
