import { DimseStatus } from '@tessera/dicom';
import { MppsFailure } from './mpps-failure';

/** Error ID (0000,0903) of "Performed Procedure Step Object may no longer be updated" (PS3.4 Table F.7.2-2). */
export const NO_LONGER_UPDATABLE_ERROR_ID = 0xa710;

/** The N-CREATE or N-SET status for each reason a step was refused (PS3.4 F.7.2, PS3.7 10.1.3.1.9, 10.1.5.1.6). */
export function mppsFailureStatus(failure: MppsFailure): number {
  switch (failure) {
    case MppsFailure.MissingAttribute:
      return DimseStatus.MissingAttribute;
    case MppsFailure.MissingAttributeValue:
      return DimseStatus.MissingAttributeValue;
    case MppsFailure.InvalidAttributeValue:
      return DimseStatus.InvalidAttributeValue;
    case MppsFailure.AttributeNotAllowed:
      return DimseStatus.NoSuchAttribute;
    case MppsFailure.DuplicateInstance:
      return DimseStatus.DuplicateSopInstance;
    case MppsFailure.NoSuchInstance:
      return DimseStatus.NoSuchSopInstance;
    case MppsFailure.NoLongerUpdatable:
      return DimseStatus.ProcessingFailure;
    case MppsFailure.TooLarge:
      return DimseStatus.ResourceLimitation;
  }
}
