import type { CommitmentReference } from '@tessera/commitment';
import { CommandField, DicomError, DimseStatus, isValidUid, readDataSet, Tags, tagKey, type DicomJsonDataset, type DimseRequest, type DimseResponse } from '@tessera/dicom';
import { firstUncompressed, type DimseService } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { STORAGE_COMMITMENT_INSTANCE, STORAGE_COMMITMENT_PUSH_MODEL, type StorageCommitmentUseCase } from './storage-commitment.use-case';

/** N-ACTION statuses (PS3.7 10.1.4.1.10) Tessera answers with besides success. */
const Status = { NoSuchSopInstance: 0x0112, InvalidArgumentValue: 0x0115, NoSuchSopClass: 0x0118, NoSuchAction: 0x0123 } as const;

/** Why an N-ACTION's Action Information cannot be served; answered 0115 with this message. */
class ActionInformationError extends Error {}

/**
 * The Storage Commitment Push Model SCP (PS3.4 J.3): N-ACTION "Request Storage Commitment" on the
 * well-known instance. The request is kept before success is answered; once the answer is out, the
 * instances are verified and the N-EVENT-REPORT follows.
 */
export class StorageCommitmentScpService implements DimseService {
  readonly name = 'Storage Commitment Push Model SCP';

  constructor(
    private readonly commitments: StorageCommitmentUseCase,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return uid === STORAGE_COMMITMENT_PUSH_MODEL;
  }

  operationOf(): 'COMMIT' {
    return 'COMMIT';
  }

  chooseTransferSyntax(_abstractSyntax: string, proposed: readonly string[]): string | undefined {
    return firstUncompressed(proposed);
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, context, association } = request;
    const answer = (status: number, errorComment?: string): DimseResponse => ({
      command: {
        commandField: CommandField.NActionRSP,
        affectedSOPClassUID: STORAGE_COMMITMENT_PUSH_MODEL,
        affectedSOPInstanceUID: STORAGE_COMMITMENT_INSTANCE,
        status,
        ...(status === DimseStatus.Success ? { actionTypeId: 1 } : {}),
        ...(errorComment ? { errorComment: errorComment.slice(0, 64) } : {}),
      },
    });
    if (command.commandField !== CommandField.NActionRQ) {
      request.dataSet?.resume();
      return { command: { commandField: command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation, errorComment: 'Storage commitment takes N-ACTION only' } };
    }
    if (command.requestedSOPClassUID !== STORAGE_COMMITMENT_PUSH_MODEL) return answer(Status.NoSuchSopClass, `Requested SOP Class must be ${STORAGE_COMMITMENT_PUSH_MODEL}`);
    if (command.requestedSOPInstanceUID !== STORAGE_COMMITMENT_INSTANCE) return answer(Status.NoSuchSopInstance, `Requested SOP Instance must be ${STORAGE_COMMITMENT_INSTANCE}`);
    if (command.actionTypeId !== 1) return answer(Status.NoSuchAction, 'Action Type ID must be 1, Request Storage Commitment');
    if (!request.dataSet) return answer(Status.InvalidArgumentValue, 'No Action Information: Transaction UID and Referenced SOP Sequence are required');
    let commitment;
    try {
      const information = await readDataSet(request.dataSet, context.transferSyntax);
      commitment = { tenant, requestingAETitle: association.callingAETitle, calledAETitle: association.calledAETitle, ...actionInformation(information) };
    } catch (err) {
      if (err instanceof ActionInformationError || err instanceof DicomError) return answer(Status.InvalidArgumentValue, err.message);
      throw err;
    }
    await this.commitments.accept(commitment);
    this.logger.info('storage commitment requested', { association: association.id, tenant, transaction: commitment.transactionUID, instances: commitment.references.length });
    return {
      ...answer(DimseStatus.Success),
      onSent: () => {
        this.commitments.settle(commitment, { connection: request.connection, context }).catch((err: Error) => this.logger.error('storage commitment failed; it will be retried', { transaction: commitment.transactionUID, error: err.message }));
      },
    };
  }
}

/** The Action Information of a storage commitment request (PS3.4 Table J.3-1), checked. */
function actionInformation(information: DicomJsonDataset): { transactionUID: string; references: CommitmentReference[] } {
  const transactionUID = uidOf(information, 0x00081195, 'Transaction UID (0008,1195)');
  const items = (information[tagKey(Tags.ReferencedSOPSequence)]?.Value ?? []) as DicomJsonDataset[];
  if (items.length === 0) throw new ActionInformationError('Referenced SOP Sequence (0008,1199) must list the instances to commit');
  const references = items.map((item, i) => ({
    sopClassUID: uidOf(item, Tags.ReferencedSOPClassUID, `Referenced SOP Class UID (0008,1150) of item ${i + 1}`),
    sopInstanceUID: uidOf(item, Tags.ReferencedSOPInstanceUID, `Referenced SOP Instance UID (0008,1155) of item ${i + 1}`),
  }));
  return { transactionUID, references };
}

function uidOf(dataset: DicomJsonDataset, tag: number, name: string): string {
  const value = dataset[tagKey(tag)]?.Value?.[0];
  if (typeof value !== 'string' || !isValidUid(value.trim())) throw new ActionInformationError(`${name} is missing or not a UID`);
  return value.trim();
}
