import { expectEventually } from '@tessera/testing';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { requestAssociation } from './association-requestor';
import { CommandField, DimseStatus } from './dimse';
import type { DimseRequest, DimseResponse } from './dimse-connection';
import { DimseServer } from './dimse-server';
import { PresentationContextResult } from './pdu';

const VERIFICATION = '1.2.840.10008.1.1';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const FIND = '1.2.840.10008.5.1.4.1.2.2.1';
const EXPLICIT = '1.2.840.10008.1.2.1';
const COMMITMENT = '1.2.840.10008.1.20.1';

describe('our upper layer, requester against acceptor on loopback', () => {
  let server: DimseServer;
  let port: number;
  const seen: { digest?: string; error?: string; cancelled?: boolean; reportStatus?: number }[] = [];
  // Requests the acceptor sent to the requester.
  const reports: number[] = [];

  const handle = async (request: DimseRequest): Promise<DimseResponse> => {
    switch (request.command.commandField) {
      case CommandField.CEchoRQ:
        return { command: { commandField: CommandField.CEchoRSP, status: DimseStatus.Success } };
      case CommandField.NActionRQ:
        // Answers, then reports back on the same association once the answer is out (as storage commitment does).
        return {
          command: { commandField: CommandField.NActionRSP, status: DimseStatus.Success },
          onSent: () => {
            void (async () => {
              try {
                for await (const reply of request.connection.request(request.context, { commandField: CommandField.NEventReportRQ, affectedSOPClassUID: COMMITMENT, eventTypeId: 1 })) seen.push({ reportStatus: reply.command.status });
              } catch (err) {
                seen.push({ error: (err as Error).message });
              }
            })();
          },
        };
      case CommandField.CStoreRQ: {
        const hash = createHash('sha256');
        try {
          for await (const chunk of request.dataSet as Readable) hash.update(chunk as Buffer);
          seen.push({ digest: hash.digest('hex') });
        } catch (err) {
          seen.push({ error: (err as Error).name });
        }
        return { command: { commandField: CommandField.CStoreRSP, status: DimseStatus.Success } };
      }
      default: {
        // A C-FIND-like operation: pending responses until cancelled.
        for (let i = 0; i < 1000 && !request.cancelled.aborted; i++) {
          await request.sendPending({ command: { commandField: CommandField.CFindRSP, status: DimseStatus.Pending }, dataSet: Buffer.alloc(4, i) });
          await new Promise((resolve) => setImmediate(resolve));
        }
        seen.push({ cancelled: request.cancelled.aborted });
        return { command: { commandField: CommandField.CFindRSP, status: request.cancelled.aborted ? DimseStatus.Cancel : DimseStatus.Success } };
      }
    }
  };

  beforeAll(async () => {
    server = new DimseServer({
      host: '127.0.0.1',
      port: 0,
      maxAssociations: 10,
      maxPduLength: 16384,
      artimTimeoutMs: 5000,
      idleTimeoutMs: 10_000,
      negotiate: (rq) => ({ kind: 'accept', contexts: rq.presentationContexts.map((pc) => ({ id: pc.id, result: PresentationContextResult.Acceptance, transferSyntax: pc.transferSyntaxes[0] as string })) }),
      handle,
    });
    port = await server.listen();
  });
  afterAll(() => server.close(100));

  const open = () =>
    requestAssociation({
      host: '127.0.0.1',
      port,
      callingAETitle: 'SCU',
      calledAETitle: 'SCP',
      contexts: [
        { id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [EXPLICIT] },
        { id: 3, abstractSyntax: CT, transferSyntaxes: [EXPLICIT] },
        { id: 5, abstractSyntax: FIND, transferSyntaxes: [EXPLICIT] },
        { id: 7, abstractSyntax: COMMITMENT, transferSyntaxes: [EXPLICIT] },
      ],
      handle: async (request) => {
        reports.push(request.command.commandField);
        return { command: { commandField: CommandField.NEventReportRSP, status: DimseStatus.Success } };
      },
      maxPduLength: 32768,
      artimTimeoutMs: 5000,
      idleTimeoutMs: 10_000,
      responseTimeoutMs: 10_000,
    });

  const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };

  it('verifies, streams a large data set in fragments of the peer maximum, and releases', async () => {
    const association = await open();
    const [echo] = await collect(association.request(association.contextFor(VERIFICATION)!, { commandField: CommandField.CEchoRQ, affectedSOPClassUID: VERIFICATION }));
    expect(echo?.command.status).toBe(DimseStatus.Success);
    const big = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    const chunks = [big.subarray(0, 1000), big.subarray(1000, 3_000_000), big.subarray(3_000_000)];
    const [stored] = await collect(association.request(association.contextFor(CT)!, { commandField: CommandField.CStoreRQ, affectedSOPClassUID: CT, affectedSOPInstanceUID: '1.2.3', priority: 0 }, Readable.from(chunks)));
    expect(stored?.command.status).toBe(DimseStatus.Success);
    expect(seen.at(-1)).toEqual({ digest: createHash('sha256').update(big).digest('hex') });
    await association.release();
    expect(association.isOpen).toBe(false);
  });

  it('receives pending responses and cancels the operation with C-CANCEL', async () => {
    const association = await open();
    const context = association.contextFor(FIND)!;
    const responses: number[] = [];
    for await (const response of association.request(context, { commandField: CommandField.CFindRQ, affectedSOPClassUID: FIND, priority: 0 }, Buffer.alloc(0))) {
      responses.push(response.command.status ?? -1);
      if (responses.length === 5) await association.cancel(context, 1);
    }
    expect(responses.at(-1)).toBe(DimseStatus.Cancel);
    expect(responses.filter((s) => s === DimseStatus.Pending).length).toBeGreaterThanOrEqual(5);
    expect(responses.length).toBeLessThan(1000);
    expect(seen.at(-1)).toEqual({ cancelled: true });
    await association.release();
  });

  it('fails the data set stream of a C-STORE cut short by A-ABORT, never completing it', async () => {
    const association = await open();
    let sent = 0;
    const endless = new Readable({
      read() {
        sent += 1;
        if (sent === 50) {
          association.abort('test: sender goes away');
          return;
        }
        this.push(Buffer.alloc(16384, 1));
      },
    });
    await expect(collect(association.request(association.contextFor(CT)!, { commandField: CommandField.CStoreRQ, affectedSOPClassUID: CT, affectedSOPInstanceUID: '1.2.4', priority: 0 }, endless))).rejects.toThrow();
    await expectEventually(() => expect(seen.at(-1)).toEqual({ error: 'AssociationAbortedError' }));
  });

  it('sends what follows a response only once the response is out, on the same association', async () => {
    const association = await open();
    const [answer] = await collect(association.request(association.contextFor(COMMITMENT)!, { commandField: CommandField.NActionRQ, requestedSOPClassUID: COMMITMENT, actionTypeId: 1 }, Buffer.alloc(0)));
    expect(answer?.command.status).toBe(DimseStatus.Success);
    await expectEventually(() => expect(seen.at(-1)).toEqual({ reportStatus: DimseStatus.Success }));
    expect(reports).toEqual([CommandField.NEventReportRQ]);
    await association.release();
  });

  it('fails a request the peer released the association without answering', async () => {
    const association = await requestAssociation({
      host: '127.0.0.1',
      port,
      callingAETitle: 'SCU',
      calledAETitle: 'SCP',
      contexts: [{ id: 1, abstractSyntax: COMMITMENT, transferSyntaxes: [EXPLICIT] }],
      // Never answers the report.
      handle: () => new Promise<DimseResponse>(() => undefined),
      maxPduLength: 32768,
      artimTimeoutMs: 5000,
      idleTimeoutMs: 10_000,
      responseTimeoutMs: 60_000,
    });
    await collect(association.request(association.contextFor(COMMITMENT)!, { commandField: CommandField.NActionRQ, requestedSOPClassUID: COMMITMENT, actionTypeId: 1 }, Buffer.alloc(0)));
    await association.release();
    await expectEventually(() => expect(seen.at(-1)).toEqual({ error: 'the peer released the association before answering' }));
  });
});
