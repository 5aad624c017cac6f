import { BCP195_NON_DOWNGRADING } from '@tessera/dicom';
import { encodeMllpFrame, MllpDecoder } from '@tessera/hl7';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** Where a message goes: an MLLP listener, plain or TLS. */
export interface MllpDestination {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** Sends one message to an MLLP listener and returns the acknowledgement it answered with. */
export interface MllpSender {
  send(destination: MllpDestination, payload: Buffer): Promise<Buffer>;
}

// An acknowledgement is a few hundred bytes; this bounds what a peer can make us hold.
const MAX_ACK_BYTES = 1024 * 1024;

/**
 * An MLLP client (HL7 MLLP Release 2 block format): one connection per message, the message framed,
 * then the first framed answer back. TLS destinations get the BCP 195 profile, like the listener,
 * with the server's certificate checked against `ca` (else Node's public CAs) and its host name.
 * Rejects when the connection fails, closes without an answer, or `timeoutMs` passes.
 */
export class MllpClient implements MllpSender {
  constructor(private readonly options: { readonly timeoutMs: number; readonly ca?: string }) {}

  send(destination: MllpDestination, payload: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const socket: Socket = destination.tls
        ? connectTls({ host: destination.host, port: destination.port, servername: destination.host, ...BCP195_NON_DOWNGRADING, ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}) })
        : connectTcp({ host: destination.host, port: destination.port });
      const decoder = new MllpDecoder(MAX_ACK_BYTES);
      let settled = false;
      const finish = (err: Error | undefined, ack?: Buffer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(ack as Buffer);
      };
      const timer = setTimeout(() => finish(new Error(`no acknowledgement from ${destination.host}:${destination.port} within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      socket.setNoDelay(true);
      socket.once(destination.tls ? 'secureConnect' : 'connect', () => socket.write(encodeMllpFrame(payload)));
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) {
          if (event.type === 'message') return finish(undefined, event.payload);
          if (event.type === 'oversized') return finish(new Error(`the answer of ${destination.host}:${destination.port} is larger than ${MAX_ACK_BYTES} bytes`));
        }
      });
      socket.on('error', (err) => finish(err));
      socket.on('close', () => finish(new Error(`${destination.host}:${destination.port} closed the connection without an acknowledgement`)));
    });
  }
}
