import { encodeMllpFrame, MllpDecoder, parseMessage } from '@tessera/hl7';
import { silentLogger } from '@tessera/telemetry';
import { expectEventually } from '@tessera/testing';
import { connect, type Socket } from 'node:net';
import { MemoryHl7Store } from '@tessera/hl7-store';
import { NEW_WORKLIST_IDS } from '@tessera/worklist';
import { ReceiveMessageUseCase } from '../receive-message.use-case';
import { MllpMessageHandler, type MllpReply } from './mllp-message-handler';
import { MllpServer, type MllpConnectionEvent, type MllpServerOptions } from './mllp-server';

const message = (control: string): Buffer => Buffer.from(`MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ORU^R01|${control}|P|2.3\rOBX|1`);

/** A client connection that collects the acknowledgements it gets back. */
class Client {
  readonly acks: string[] = [];
  private readonly decoder = new MllpDecoder(1024 * 1024);
  private readonly waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.decoder.push(chunk)) {
        if (event.type !== 'message') throw new Error(`unexpected ${event.type}`);
        const parsed = parseMessage(event.payload);
        if (!parsed.ok) throw new Error(parsed.error.message);
        this.acks.push(`${parsed.message.segments[1]!.value(1)} ${parsed.message.segments[1]!.value(2)}`);
      }
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number): Promise<Client> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Client(socket);
  }

  async received(count: number): Promise<string[]> {
    while (this.acks.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.acks.slice(0, count);
  }
}

describe('MllpServer: framing, order, limits and shutdown on a real socket', () => {
  let server: MllpServer;
  let port: number;
  let events: MllpConnectionEvent[];
  const handler = new MllpMessageHandler(new ReceiveMessageUseCase(new MemoryHl7Store(), () => undefined, { defaultTenant: 'default', receivingFacilities: {}, source: 'test', now: () => new Date(), ids: NEW_WORKLIST_IDS }), silentLogger, { now: () => new Date(), nextControlId: () => 'A1', maxMessageBytes: 4096 });

  const start = async (overrides: Partial<MllpServerOptions> = {}): Promise<void> => {
    // Each server its own list: a closing server's connections may still report after the next one starts.
    const seen: MllpConnectionEvent[] = [];
    events = seen;
    server = new MllpServer({
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: 4096,
      idleTimeoutMs: 60_000,
      message: (payload, peer) => handler.message(payload, peer),
      oversized: (head, size, peer) => handler.oversized(head, size, peer),
      onEvent: (event) => seen.push(event),
      ...overrides,
    });
    port = await server.listen();
  };
  afterEach(async () => server.close(100));

  it('answers every message on the connection, in order, however the frames are cut into writes', async () => {
    await start();
    const client = await Client.open(port);
    const bytes = Buffer.concat([encodeMllpFrame(message('M1')), encodeMllpFrame(message('M2')), encodeMllpFrame(message('M3'))]);
    client.socket.write(bytes.subarray(0, 70));
    client.socket.write(bytes.subarray(70, 150));
    client.socket.write(bytes.subarray(150));
    expect(await client.received(3)).toEqual(['AR M1', 'AR M2', 'AR M3']);
    client.socket.end();
    await client.closed;
    await expectEventually(async () => expect(events.map((e) => e.type)).toEqual(['opened', 'closed']));
  });

  it('keeps the order of the answers when an earlier message takes longer', async () => {
    const delays: Record<string, number> = { M1: 50, M2: 0 };
    await start({
      message: async (payload, peer): Promise<MllpReply> => {
        const control = payload.toString().split('|')[9] as string;
        await new Promise((resolve) => setTimeout(resolve, delays[control]));
        return handler.message(payload, peer);
      },
    });
    const client = await Client.open(port);
    client.socket.write(Buffer.concat([encodeMllpFrame(message('M1')), encodeMllpFrame(message('M2'))]));
    expect(await client.received(2)).toEqual(['AR M1', 'AR M2']);
  });

  it('drops bytes outside a frame, reporting them with the remote address, and answers the frames around them', async () => {
    await start();
    const client = await Client.open(port);
    client.socket.write(Buffer.concat([Buffer.from('hello\n'), encodeMllpFrame(message('M1'))]));
    expect(await client.received(1)).toEqual(['AR M1']);
    expect(events.find((e) => e.type === 'outside-frame')).toMatchObject({ bytes: 6, peer: { remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/) } });
  });

  it('acknowledges nothing of a frame cut short by the closing connection', async () => {
    await start();
    const client = await Client.open(port);
    const frame = encodeMllpFrame(message('M9'));
    client.socket.end(frame.subarray(0, frame.length - 2));
    await client.closed;
    expect(client.acks).toEqual([]);
    expect(events.find((e) => e.type === 'truncated')).toMatchObject({ bytes: frame.length - 3, cause: 'end-of-stream' });
  });

  it('still answers a sender that shut down its side after its last frame', async () => {
    await start();
    const client = await Client.open(port);
    client.socket.end(encodeMllpFrame(message('M4')));
    await client.closed;
    expect(client.acks).toEqual(['AR M4']);
  });

  it('rejects an oversized frame whose MSH it can read and goes on; closes the connection on one it cannot', async () => {
    await start();
    const client = await Client.open(port);
    client.socket.write(Buffer.concat([encodeMllpFrame(Buffer.concat([message('BIG'), Buffer.alloc(10_000, 0x41)])), encodeMllpFrame(message('M5'))]));
    expect(await client.received(2)).toEqual(['AR BIG', 'AR M5']);
    const other = await Client.open(port);
    other.socket.write(encodeMllpFrame(Buffer.alloc(10_000, 0x41)));
    await other.closed;
    expect(other.acks).toEqual([]);
  });

  it('closes a connection idle for longer than the idle timeout', async () => {
    await start({ idleTimeoutMs: 100 });
    const client = await Client.open(port);
    await client.closed;
    await expectEventually(async () => expect(events.map((e) => e.type)).toEqual(['opened', 'idle', 'closed']), { timeoutMs: 2000 });
  });

  it('on shutdown stops accepting, answers the message in flight, then closes', async () => {
    let release: () => void = () => undefined;
    let inFlight: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (inFlight = resolve));
    await start({
      message: async (payload, peer) => {
        inFlight();
        await new Promise<void>((resolve) => (release = resolve));
        return handler.message(payload, peer);
      },
    });
    const client = await Client.open(port);
    client.socket.write(encodeMllpFrame(message('M6')));
    await started;
    const closing = server.close(5000);
    await expect(Client.open(port)).rejects.toThrow(/ECONNREFUSED/);
    release();
    await client.closed;
    expect(client.acks).toEqual(['AR M6']);
    await closing;
  });
});
