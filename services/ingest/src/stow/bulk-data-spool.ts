import { DicomError, DicomErrorCode, lookupTransferSyntax, type BulkDataSource, type BulkDataValue } from '@tessera/dicom';
import { parseMediaType } from '@tessera/multipart';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

// PS3.18 8.7.3: the compressed media types of Pixel Data and the transfer syntax each
// implies when the part names none with a transfer-syntax parameter.
const COMPRESSED_DEFAULTS: Readonly<Record<string, string>> = {
  'image/jpeg': '1.2.840.10008.1.2.4.50',
  'image/jls': '1.2.840.10008.1.2.4.80',
  'image/jp2': '1.2.840.10008.1.2.4.90',
  'image/jpx': '1.2.840.10008.1.2.4.92',
  'image/jphc': '1.2.840.10008.1.2.4.201',
  'image/dicom-rle': '1.2.840.10008.1.2.5',
};

/** The temporary directory could not take a part: the request fails without being the client's fault. */
export class SpoolUnavailableError extends Error {
  override name = 'SpoolUnavailableError';
}

interface SpooledPart {
  readonly file: string;
  readonly sizeBytes: number;
  readonly mediaType: string;
  readonly transferSyntaxUID: string | undefined;
}

/**
 * The bulk data parts of a STOW-RS metadata and bulk data request, written to temporary files as they
 * arrive (they may come before the metadata that names them, and may be gigabytes), and found again by
 * the Content-Location or Content-ID that a BulkDataURI names (PS3.18 10.5.1, 8.6.1.2).
 */
export class BulkDataSpool {
  private readonly byLocation = new Map<string, SpooledPart[]>();
  private count = 0;

  private constructor(private readonly directory: string) {}

  static async create(parent: string): Promise<BulkDataSpool> {
    try {
      return new BulkDataSpool(await fs.mkdtemp(path.join(parent, 'tessera-stow-')));
    } catch (err) {
      throw new SpoolUnavailableError(`No temporary directory for bulk data in ${parent}: ${(err as Error).message}`);
    }
  }

  /** Writes one part to its file; the part's body is read to its end. */
  async add(headers: Readonly<Record<string, string>>, body: Readable): Promise<void> {
    const media = parseMediaType(headers['content-type'] ?? 'application/octet-stream');
    const file = path.join(this.directory, String(this.count++));
    const sink = createWriteStream(file);
    // The file failing (a full disk) is Tessera's problem, not the request's; the body failing is the client's.
    let sinkError: Error | undefined;
    sink.on('error', (err) => (sinkError ??= err));
    try {
      await pipeline(body, sink);
    } catch (err) {
      if (sinkError) throw new SpoolUnavailableError(`Bulk data could not be written to ${this.directory}: ${sinkError.message}`);
      throw err;
    }
    const { size } = await fs.stat(file);
    const part: SpooledPart = { file, sizeBytes: size, mediaType: media.type, transferSyntaxUID: media.params['transfer-syntax'] };
    for (const name of names(headers)) this.byLocation.set(name, [...(this.byLocation.get(name) ?? []), part]);
  }

  /**
   * The bulk data a BulkDataURI names. Several parts under one name are the frames of compressed Pixel
   * Data, in the order they came. Throws DicomError for a media type that is neither octet-stream nor a
   * compressed pixel data type with a known transfer syntax.
   */
  resolve(uri: string): BulkDataValue | undefined {
    const parts = this.byLocation.get(uri);
    if (!parts || parts.length === 0) return undefined;
    const [first] = parts as [SpooledPart];
    const transferSyntaxUID = first.transferSyntaxUID ?? COMPRESSED_DEFAULTS[first.mediaType];
    const syntax = transferSyntaxUID === undefined ? undefined : lookupTransferSyntax(transferSyntaxUID);
    if (transferSyntaxUID !== undefined && !syntax) throw malformed(`Bulk data ${uri} names the unknown transfer syntax ${transferSyntaxUID}`);
    if (!syntax?.encapsulated) {
      // Native values are stored Little Endian as they came; a big endian or deflated one would need re-encoding.
      if (syntax && (!syntax.littleEndian || syntax.deflated)) throw malformed(`Bulk data ${uri} in ${syntax.name} is not accepted; send it Little Endian`);
      if (first.mediaType.startsWith('image/') || first.mediaType.startsWith('video/')) {
        throw malformed(`Bulk data ${uri} is ${first.mediaType}, which no transfer syntax of Tessera's encapsulates`);
      }
      if (parts.length > 1) throw malformed(`${parts.length} native bulk data parts share the location ${uri}`);
      return { kind: 'native', source: this.source(first) };
    }
    if (parts.some((p) => (p.transferSyntaxUID ?? COMPRESSED_DEFAULTS[p.mediaType]) !== syntax.uid)) throw malformed(`The frames at ${uri} are not all in one transfer syntax`);
    return { kind: 'frames', transferSyntaxUID: syntax.uid, frames: parts.map((p) => this.source(p)) };
  }

  async dispose(): Promise<void> {
    await fs.rm(this.directory, { recursive: true, force: true });
  }

  private source(part: SpooledPart): BulkDataSource {
    return { sizeBytes: part.sizeBytes, open: () => createReadStream(part.file, { highWaterMark: 1024 * 1024 }) };
  }
}

// A BulkDataURI names a part by its Content-Location (PS3.18 8.6.1.2) or, as "cid:", by its Content-ID (RFC 2392).
function names(headers: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const location = headers['content-location'];
  if (location) out.push(location);
  const id = headers['content-id'];
  if (id) out.push(`cid:${id.replace(/^<|>$/g, '')}`);
  return out;
}

function malformed(message: string): DicomError {
  return new DicomError(DicomErrorCode.MalformedDataset, message);
}
