import { decodeCommand, encodeCommand, CommandField } from './dimse';
import { decodePdu, encodeAssociateAccept, encodeAssociateRequest, encodePData, PduType, PresentationContextResult } from './pdu';
import { PduReader } from './pdu-reader';

describe('upper layer PDUs and DIMSE command sets', () => {
  it('round-trips an A-ASSOCIATE-RQ and -AC through encoding and the reader', () => {
    const rq = encodeAssociateRequest({
      calledAETitle: 'TESSERA',
      callingAETitle: 'MODALITY',
      presentationContexts: [{ id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'] }],
      maxPduLength: 16384,
      implementationClassUid: '1.2.3',
      implementationVersionName: 'TEST',
      roleSelections: [{ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', scuRole: false, scpRole: true }],
    });
    const reader = new PduReader(0);
    const pdus = [...reader.feed(rq.subarray(0, 10)), ...reader.feed(rq.subarray(10))];
    expect(pdus).toHaveLength(1);
    const pdu = pdus[0];
    if (pdu?.type !== PduType.AssociateRQ) throw new Error('not an RQ');
    expect(pdu.request).toMatchObject({ calledAETitle: 'TESSERA', callingAETitle: 'MODALITY', maxPduLength: 16384, implementationVersionName: 'TEST' });
    expect(pdu.request.presentationContexts[0]?.transferSyntaxes).toEqual(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);
    expect(pdu.request.roleSelections).toEqual([{ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', scuRole: false, scpRole: true }]);

    const ac = encodeAssociateAccept({
      calledAETitle: 'TESSERA',
      callingAETitle: 'MODALITY',
      presentationContexts: [{ id: 1, result: PresentationContextResult.Acceptance, transferSyntax: '1.2.840.10008.1.2' }],
      maxPduLength: 65536,
      implementationClassUid: '1.2.3',
      implementationVersionName: 'TESSERA',
    });
    const decoded = decodePdu(ac[0] as number, ac.subarray(6));
    if (decoded.type !== PduType.AssociateAC) throw new Error('not an AC');
    expect(decoded.accept.presentationContexts).toEqual([{ id: 1, result: 0, transferSyntax: '1.2.840.10008.1.2' }]);
    expect(decoded.accept.maxPduLength).toBe(65536);
  });

  it('fragments a message to the peer maximum and reassembles it', () => {
    const data = Buffer.alloc(10_000, 9);
    const pdus = encodePData(3, false, data, 4096);
    const reader = new PduReader(4096);
    const pdvs = reader.feed(Buffer.concat(pdus)).flatMap((p) => (p.type === PduType.PData ? p.pdvs : []));
    expect(pdvs.every((p) => p.data.length <= 4096 - 6 && p.presentationContextId === 3 && !p.isCommand)).toBe(true);
    expect(pdvs.map((p) => p.isLast)).toEqual([false, false, true]);
    expect(Buffer.concat(pdvs.map((p) => p.data))).toEqual(data);
  });

  it('refuses a PDU longer than the announced maximum', () => {
    const reader = new PduReader(4096);
    expect(() => reader.feed(Buffer.concat(encodePData(1, false, Buffer.alloc(9000), 0)))).toThrow(/exceeds the maximum/);
  });

  it('round-trips command sets', () => {
    const command = { commandField: CommandField.CStoreRSP, messageIdBeingRespondedTo: 7, affectedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', affectedSOPInstanceUID: '1.2.3', status: 0xa900, errorComment: 'bad', hasDataSet: false };
    expect(decodeCommand(encodeCommand(command))).toEqual(command);
  });

  it('round-trips the attribute identifier list of a DIMSE-N failure', () => {
    const command = { commandField: CommandField.NCreateRSP, messageIdBeingRespondedTo: 3, affectedSOPClassUID: '1.2.840.10008.3.1.2.3.3', status: 0x0120, attributeIdentifierList: [0x00400252, 0x0020000d], hasDataSet: false };
    const bytes = encodeCommand(command);
    // (0000,1005) AT with two tags, group then element of each in little endian (PS3.5 6.2, PS3.7 E.1).
    expect(bytes.includes(Buffer.from('0000051008000000400052022000' + '0d00', 'hex'))).toBe(true);
    expect(decodeCommand(bytes)).toEqual(command);
  });
});
