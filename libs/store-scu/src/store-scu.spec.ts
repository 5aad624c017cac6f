import { MemoryBlobStore } from '@tessera/blob-store';
import { DatasetParser, DicomJsonBuilder, encodeDataset, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, type AcceptedContext, type DimseConnection, type DimseMessage } from '@tessera/dicom';
import { Readable } from 'node:stream';
import { chooseContext, outcomeOf, proposeContexts, StoreScu, type SendableInstance } from './store-scu';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';
const JPEG = '1.2.840.10008.1.2.4.50';
const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const BIG = '1.2.840.10008.1.2.2';

const instance = (sopClassUID: string, transferSyntaxUID: string): SendableInstance => ({ sopClassUID, sopInstanceUID: '1.2.3', transferSyntaxUID, objectKey: 'k', datasetOffset: 0 });

describe('choosing presentation contexts for C-STORE sub-operations', () => {
  it('proposes each stored syntax and the two little-endian ones, one per context, per SOP class', () => {
    const proposals = proposeContexts([instance(CT, JPEG), instance(CT, EXPLICIT), instance(MR, BIG)]);
    expect(proposals.map((p) => [p.id, p.abstractSyntax, p.transferSyntaxes])).toEqual([
      [1, CT, [JPEG]],
      [3, CT, [EXPLICIT]],
      [5, CT, [IMPLICIT]],
      [7, MR, [BIG]],
      [9, MR, [EXPLICIT]],
      [11, MR, [IMPLICIT]],
    ]);
  });

  it('sends as stored when it can, re-encodes native data sets, decodes compressed ones, and gives up on the rest', () => {
    const accepted: AcceptedContext[] = [
      { id: 3, abstractSyntax: CT, transferSyntax: EXPLICIT },
      { id: 11, abstractSyntax: MR, transferSyntax: IMPLICIT },
    ];
    expect(chooseContext(accepted, instance(CT, EXPLICIT))).toEqual({ context: accepted[0] });
    expect(chooseContext(accepted, instance(CT, IMPLICIT))).toEqual({ context: accepted[0], reencode: 'explicit' });
    expect(chooseContext(accepted, instance(MR, BIG))).toEqual({ context: accepted[1], reencode: 'implicit' });
    expect(chooseContext(accepted, instance(CT, JPEG))).toEqual({ context: accepted[0], reencode: 'explicit', decode: true });
    expect(chooseContext(accepted, instance(MR, JPEG))).toEqual({ context: accepted[1], reencode: 'implicit', decode: true });
    // JPEG 2000 Part 2 multi-component: no decoder.
    expect(chooseContext(accepted, instance(CT, '1.2.840.10008.1.2.4.92'))).toBeUndefined();
    expect(chooseContext([{ id: 1, abstractSyntax: MR, transferSyntax: EXPLICIT }], instance(CT, JPEG))).toBeUndefined();
  });

  it('counts statuses as PS3.4 B.2.3 does', () => {
    expect(outcomeOf({ instance: instance(CT, EXPLICIT), status: 0 })).toBe('completed');
    expect(outcomeOf({ instance: instance(CT, EXPLICIT), status: 0xb007 })).toBe('warning');
    expect(outcomeOf({ instance: instance(CT, EXPLICIT), status: 0xa700 })).toBe('failed');
    expect(outcomeOf({ instance: instance(CT, EXPLICIT), error: 'refused' })).toBe('failed');
  });
});

describe('sending stored instances', () => {
  const context: AcceptedContext = { id: 1, abstractSyntax: CT, transferSyntax: EXPLICIT };
  const stored = (uid: string): SendableInstance => ({ sopClassUID: CT, sopInstanceUID: uid, transferSyntaxUID: EXPLICIT, objectKey: `t/${uid}`, datasetOffset: 0 });

  // Records when each object is opened and read to its end, and when the peer has it and answers.
  async function setup(): Promise<{ scu: StoreScu; connection: DimseConnection; events: string[]; opened: Map<string, Readable> }> {
    const events: string[] = [];
    const opened = new Map<string, Readable>();
    const blobs = new MemoryBlobStore();
    for (const uid of ['1', '2', '3']) await blobs.put(`t/${uid}`, Readable.from([Buffer.alloc(64 * 1024, Number(uid))]));
    const get = blobs.get.bind(blobs);
    blobs.get = async (key, range) => {
      events.push(`open ${key}`);
      const stream = await get(key, range);
      stream.once('end', () => events.push(`read ${key}`));
      opened.set(key, stream);
      return stream;
    };
    const connection = {
      isOpen: true,
      contexts: new Map([[1, context]]),
      async *request(_context: AcceptedContext, command: { affectedSOPInstanceUID: string }, dataSet: Readable): AsyncGenerator<DimseMessage> {
        let bytes = 0;
        for await (const chunk of dataSet) bytes += (chunk as Buffer).length;
        events.push(`sent ${command.affectedSOPInstanceUID} (${bytes} bytes)`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`answered ${command.affectedSOPInstanceUID}`);
        yield { command: { commandField: 0x8001, status: 0 } } as unknown as DimseMessage;
      },
    } as unknown as DimseConnection;
    return { scu: new StoreScu(blobs), connection, events, opened };
  }

  it('opens the next instance while the peer answers the current one, and sends in order', async () => {
    const { scu, connection, events } = await setup();
    const results = await scu.send(connection, [stored('1'), stored('2'), stored('3')], { signal: new AbortController().signal });
    expect(results.map((r) => [r.instance.sopInstanceUID, r.status])).toEqual([
      ['1', 0],
      ['2', 0],
      ['3', 0],
    ]);
    const at = (e: string): number => events.indexOf(e);
    expect(at('read t/1')).toBeGreaterThan(-1);
    expect(at('open t/2')).toBeGreaterThan(at('read t/1'));
    expect(at('open t/2')).toBeLessThan(at('answered 1'));
    expect(at('open t/3')).toBeLessThan(at('answered 2'));
    expect(events).toContain('sent 3 (65536 bytes)');
  });

  it('closes the instance opened ahead when the retrieve is cancelled, and does not send it', async () => {
    const { scu, connection, events, opened } = await setup();
    const cancel = new AbortController();
    const results = await scu.send(connection, [stored('1'), stored('2'), stored('3')], { signal: cancel.signal, onResult: () => cancel.abort() });
    expect(results.map((r) => r.instance.sopInstanceUID)).toEqual(['1']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.filter((e) => e.startsWith('sent'))).toEqual(['sent 1 (65536 bytes)']);
    expect(opened.get('t/2')?.destroyed).toBe(true);
    expect(opened.has('t/3')).toBe(false);
  });
});

describe('sending instances with their patient’s current demographics', () => {
  it('coerces the data set it sends, as stored or re-encoded, and leaves the stored object as it was', async () => {
    const dataSet = encodeDataset(
      [
        { tag: 0x00080016, value: CT },
        { tag: 0x00080018, value: '1.2.3' },
        { tag: 0x00100010, value: 'Prior^Name' },
        { tag: 0x00100020, value: 'PRIOR-1' },
        { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(4096, 7) },
      ],
      EXPLICIT_VR_LITTLE_ENDIAN,
    );
    const blobs = new MemoryBlobStore();
    await blobs.put('t/1', Readable.from([dataSet]));
    const sent: Buffer[] = [];
    const connection = {
      isOpen: true,
      contexts: new Map(),
      async *request(_context: AcceptedContext, _command: unknown, data: Readable): AsyncGenerator<DimseMessage> {
        const chunks: Buffer[] = [];
        for await (const chunk of data) chunks.push(chunk as Buffer);
        sent.push(Buffer.concat(chunks));
        yield { command: { commandField: 0x8001, status: 0 } } as unknown as DimseMessage;
      },
    } as unknown as DimseConnection;
    const patient = { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Survivor^Name' }] }, '00100020': { vr: 'LO' as const, Value: ['SURV-1'] } };
    const instance: SendableInstance = { sopClassUID: CT, sopInstanceUID: '1.2.3', transferSyntaxUID: EXPLICIT, objectKey: 't/1', datasetOffset: 0, patient };
    const asStored: AcceptedContext = { id: 1, abstractSyntax: CT, transferSyntax: EXPLICIT };
    const implicit: AcceptedContext = { id: 3, abstractSyntax: CT, transferSyntax: IMPLICIT };
    await new StoreScu(blobs).send(connection, [instance], { contexts: [asStored], signal: new AbortController().signal });
    await new StoreScu(blobs).send(connection, [instance], { contexts: [implicit], signal: new AbortController().signal });
    const read = (data: Buffer, ts: typeof EXPLICIT_VR_LITTLE_ENDIAN) => {
      const builder = new DicomJsonBuilder(() => '');
      const parser = new DatasetParser(ts, builder);
      parser.push(data);
      parser.end();
      return builder.dataset;
    };
    expect(read(sent[0] as Buffer, EXPLICIT_VR_LITTLE_ENDIAN)).toMatchObject(patient);
    expect(read(sent[1] as Buffer, IMPLICIT_VR_LITTLE_ENDIAN)).toMatchObject(patient);
    const storedNow: Buffer[] = [];
    for await (const chunk of await blobs.get('t/1')) storedNow.push(chunk as Buffer);
    expect(Buffer.concat(storedNow)).toEqual(dataSet);
  });
});
