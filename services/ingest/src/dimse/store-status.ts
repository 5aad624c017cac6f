import { DimseStatus } from '@tessera/dicom';
import { StoreFailure } from '../store-instance.use-case';

// Tessera's reasons within the "Cannot understand" range C000-CFFF (PS3.4 B.2.3).
export const CannotUnderstand = {
  MalformedDataset: 0xc000,
  InvalidUid: 0xc001,
} as const;

/** The C-STORE status for each reason an instance was not stored (PS3.4 B.2.3, PS3.7 C). */
export function storeFailureStatus(reason: StoreFailure): number {
  switch (reason) {
    case StoreFailure.InvalidDataset:
      return CannotUnderstand.MalformedDataset;
    case StoreFailure.InvalidUid:
      return CannotUnderstand.InvalidUid;
    case StoreFailure.MissingAttribute:
    case StoreFailure.UidMismatch:
      return DimseStatus.DataSetDoesNotMatchSopClass;
    case StoreFailure.SopClassNotSupported:
      return DimseStatus.SopClassNotSupported;
    case StoreFailure.UnsupportedTransferSyntax:
      return CannotUnderstand.MalformedDataset;
    case StoreFailure.Conflict:
      return DimseStatus.DuplicateSopInstance;
    case StoreFailure.HeaderTooLarge:
    case StoreFailure.StorageUnavailable:
      return DimseStatus.OutOfResources;
    case StoreFailure.Aborted:
      return DimseStatus.ProcessingFailure;
  }
}
