import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

const Uid = z.string().regex(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/).max(64);

/** One DICOM JSON attribute (PS3.18 F.2); nested data sets are in Value for SQ. */
const DicomJsonElementSchema = z.object({
  vr: z.string().length(2),
  Value: z.array(z.unknown()).optional(),
  InlineBinary: z.string().optional(),
  BulkDataURI: z.string().optional(),
});

export const InstanceStoredV1Schema = z.object({
  studyInstanceUID: Uid,
  seriesInstanceUID: Uid,
  sopInstanceUID: Uid,
  sopClassUID: Uid,
  transferSyntaxUID: Uid,
  /** Where the Part 10 object is in the object store (bucket-relative key). */
  objectKey: z.string().min(1),
  /** Size of the stored Part 10 object in bytes. */
  sizeBytes: z.number().int().nonnegative(),
  /** Length of the Part 10 header: the data set starts at this byte of the object. */
  datasetOffset: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the data set bytes as received, i.e. the object after datasetOffset. */
  datasetSha256: z.string().regex(/^[0-9a-f]{64}$/),
  storedAt: z.string().datetime(),
  receivedVia: z.object({
    /** DEIDENTIFIED-EXPORT: made by de-identifying another tenant's instance (a research export). */
    protocol: z.enum(['DIMSE', 'STOW-RS', 'DEIDENTIFIED-EXPORT']),
    callingAETitle: z.string().optional(),
    calledAETitle: z.string().optional(),
    remoteAddress: z.string().optional(),
  }),
  /**
   * The instance's attributes in the DICOM JSON Model. Values larger than the inline limits carry a
   * BulkDataURI "bulkdata/{offset}-{length}": a byte range of the data set, relative to the
   * instance's WADO-RS URL plus "/". Pixel data never rides on the bus.
   */
  metadata: z.record(z.string().regex(/^[0-9A-F]{8}$/), DicomJsonElementSchema),
});

/** Data of `instance.stored.v1`. */
export type InstanceStoredV1 = z.infer<typeof InstanceStoredV1Schema>;

/**
 * An instance is durably in the object store and its storage was committed (ARCHITECTURE §3).
 * @since 0.1.0
 */
export const InstanceStoredV1: EventDefinition<typeof InstanceStoredV1Schema> = {
  type: 'instance.stored.v1',
  topic: Topics.Instances,
  schema: InstanceStoredV1Schema,
  summary: 'An instance was received (DIMSE C-STORE or STOW-RS), written durably to the object store and recorded.',
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
