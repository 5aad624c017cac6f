import { characterSetEncoder, DimseStatus, encodeJsonDataset, lookupTransferSyntax, Tags, tagKey, type DimseResponse } from '@tessera/dicom';
import { outcomeOf, type SubOperationResult } from '@tessera/store-scu';

/**
 * The C-STORE sub-operations of one C-MOVE or C-GET and what they came to: the counts of its
 * responses and the Failed SOP Instance UID List (PS3.4 C.4.2.1.6, C.4.3.1.6).
 */
export class SubOperations {
  completed = 0;
  failed = 0;
  warning = 0;
  private readonly failedUids: string[] = [];

  constructor(private readonly total: number) {}

  get remaining(): number {
    return this.total - this.completed - this.failed - this.warning;
  }

  add(result: SubOperationResult): void {
    const outcome = outcomeOf(result);
    this[outcome] += 1;
    if (outcome === 'failed') this.failedUids.push(result.instance.sopInstanceUID);
  }

  /** Counts every sub-operation not yet done as failed (the destination could not be reached). */
  failRemaining(uids: readonly string[]): void {
    this.failed += this.remaining;
    this.failedUids.push(...uids);
  }

  /** A pending response: the counts so far, with what remains (PS3.4 C.4.2.1.6, Table C.4-2). */
  pending(commandField: number, sopClass: string): DimseResponse {
    return { command: { commandField, affectedSOPClassUID: sopClass, status: DimseStatus.Pending, numberOfRemainingSuboperations: us(this.remaining), ...this.counts() } };
  }

  /**
   * The final response (PS3.4 C.4.2.3.1, C.4.3.3.1): Cancel after a C-CANCEL, with what remained;
   * Success when nothing failed; A702 when every sub-operation failed; B000 otherwise. Whenever any
   * failed, the identifier carries their SOP Instance UIDs.
   */
  final(commandField: number, sopClass: string, transferSyntax: string, cancelled: boolean, errorComment?: string): DimseResponse {
    let status: number;
    if (cancelled) status = DimseStatus.Cancel;
    else if (this.failed === 0 && this.warning === 0) status = DimseStatus.Success;
    else if (this.completed === 0 && this.warning === 0) status = DimseStatus.UnableToPerformSubOperations;
    else status = DimseStatus.SubOperationsWithFailures;
    const command = {
      commandField,
      affectedSOPClassUID: sopClass,
      status,
      ...(cancelled ? { numberOfRemainingSuboperations: us(this.remaining) } : {}),
      ...this.counts(),
      ...(errorComment ? { errorComment: errorComment.slice(0, 64) } : {}),
    };
    if (this.failedUids.length === 0) return { command };
    const ts = lookupTransferSyntax(transferSyntax) as NonNullable<ReturnType<typeof lookupTransferSyntax>>;
    return { command, dataSet: encodeJsonDataset({ [tagKey(Tags.FailedSOPInstanceUIDList)]: { vr: 'UI', Value: this.failedUids } }, ts, characterSetEncoder(undefined)) };
  }

  private counts(): { numberOfCompletedSuboperations: number; numberOfFailedSuboperations: number; numberOfWarningSuboperations: number } {
    return { numberOfCompletedSuboperations: us(this.completed), numberOfFailedSuboperations: us(this.failed), numberOfWarningSuboperations: us(this.warning) };
  }
}

// The counts are US (PS3.7 E.1-1); a retrieve of more than 65535 instances reports the ceiling.
function us(count: number): number {
  return Math.min(count, 0xffff);
}
