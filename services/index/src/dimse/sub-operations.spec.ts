import { CommandField, DatasetParser, DicomJsonBuilder, DimseStatus, lookupTransferSyntax } from '@tessera/dicom';
import type { SendableInstance } from '@tessera/store-scu';
import { SubOperations } from './sub-operations';

const MOVE = '1.2.840.10008.5.1.4.1.2.2.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const instance = (uid: string): SendableInstance => ({ sopClassUID: '1.2', sopInstanceUID: uid, transferSyntaxUID: EXPLICIT, objectKey: uid, datasetOffset: 0 });

function failedList(dataSet: Buffer | undefined): unknown {
  if (!dataSet) return undefined;
  const builder = new DicomJsonBuilder(() => '');
  const parser = new DatasetParser(lookupTransferSyntax(EXPLICIT) as NonNullable<ReturnType<typeof lookupTransferSyntax>>, builder);
  parser.push(dataSet);
  parser.end();
  return builder.dataset['00080058']?.Value;
}

describe('SubOperations', () => {
  it('counts each outcome and reports what remains while pending', () => {
    const ops = new SubOperations(4);
    ops.add({ instance: instance('1'), status: DimseStatus.Success });
    ops.add({ instance: instance('2'), status: 0xb007 });
    ops.add({ instance: instance('3'), status: 0xa700 });
    expect(ops.pending(CommandField.CMoveRSP, MOVE).command).toEqual({
      commandField: CommandField.CMoveRSP,
      affectedSOPClassUID: MOVE,
      status: DimseStatus.Pending,
      numberOfRemainingSuboperations: 1,
      numberOfCompletedSuboperations: 1,
      numberOfFailedSuboperations: 1,
      numberOfWarningSuboperations: 1,
    });
  });

  it('ends in Success without failures, with no identifier', () => {
    const ops = new SubOperations(1);
    ops.add({ instance: instance('1'), status: DimseStatus.Success });
    const final = ops.final(CommandField.CMoveRSP, MOVE, EXPLICIT, false);
    expect(final.command.status).toBe(DimseStatus.Success);
    expect(final.command.numberOfRemainingSuboperations).toBeUndefined();
    expect(final.dataSet).toBeUndefined();
  });

  it('ends in B000 with the Failed SOP Instance UID List when some failed', () => {
    const ops = new SubOperations(3);
    ops.add({ instance: instance('1'), status: DimseStatus.Success });
    ops.add({ instance: instance('2'), error: 'no context' });
    ops.add({ instance: instance('3'), status: 0xa700 });
    const final = ops.final(CommandField.CGetRSP, MOVE, EXPLICIT, false);
    expect(final.command.status).toBe(DimseStatus.SubOperationsWithFailures);
    expect(failedList(final.dataSet)).toEqual(['2', '3']);
  });

  it('ends in B000 when only warnings came back, and A702 when every sub-operation failed', () => {
    const warned = new SubOperations(1);
    warned.add({ instance: instance('1'), status: 0xb000 });
    expect(warned.final(CommandField.CMoveRSP, MOVE, EXPLICIT, false).command.status).toBe(DimseStatus.SubOperationsWithFailures);
    const failed = new SubOperations(2);
    failed.failRemaining(['1', '2']);
    const final = failed.final(CommandField.CMoveRSP, MOVE, EXPLICIT, false, 'x'.repeat(80));
    expect(final.command).toMatchObject({ status: DimseStatus.UnableToPerformSubOperations, numberOfFailedSuboperations: 2, numberOfCompletedSuboperations: 0 });
    expect(final.command.errorComment).toHaveLength(64);
    expect(failedList(final.dataSet)).toEqual(['1', '2']);
  });

  it('ends in Cancel with the number that remained after a C-CANCEL', () => {
    const ops = new SubOperations(5);
    ops.add({ instance: instance('1'), status: DimseStatus.Success });
    expect(ops.final(CommandField.CMoveRSP, MOVE, EXPLICIT, true).command).toMatchObject({ status: DimseStatus.Cancel, numberOfRemainingSuboperations: 4, numberOfCompletedSuboperations: 1 });
  });

  it('reports the US ceiling for counts beyond 65535', () => {
    const ops = new SubOperations(70_000);
    expect(ops.pending(CommandField.CMoveRSP, MOVE).command.numberOfRemainingSuboperations).toBe(0xffff);
  });
});
