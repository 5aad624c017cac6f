import { randomBytes } from 'node:crypto';

/** Frames the parts of a multipart/related response (RFC 2387) around streamed bodies. */
export class MultipartWriter {
  readonly boundary = `tessera-${randomBytes(12).toString('hex')}`;

  /** The bytes before one part's body. */
  partHeader(headers: Readonly<Record<string, string>>): Buffer {
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    return Buffer.from(`--${this.boundary}\r\n${lines}\r\n`, 'latin1');
  }

  /** The bytes after one part's body. */
  partEnd(): Buffer {
    return Buffer.from('\r\n', 'latin1');
  }

  /** The closing delimiter. */
  close(): Buffer {
    return Buffer.from(`--${this.boundary}--\r\n`, 'latin1');
  }

  /** The Content-Type of the whole response. */
  contentType(partType: string, extra: Readonly<Record<string, string>> = {}): string {
    const params = Object.entries(extra).map(([k, v]) => `; ${k}=${v}`).join('');
    return `multipart/related; type="${partType}"; boundary=${this.boundary}${params}`;
  }
}
