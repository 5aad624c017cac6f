import { decodeCommand, encodeCommand, CommandField } from './dimse';
import { AbortReason, decodePdu, encodeAssociateAccept, encodeAssociateRequest, encodePData, PduError, PduType, PresentationContextResult, UserIdentityType, type AssociateRequest } from './pdu';
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

  it('carries SOP Class Extended Negotiation sub-items (56H, PS3.7 D.3.3.5) both ways, and aborts on one that overruns', () => {
    const FIND = '1.2.840.10008.5.1.4.1.2.2.1';
    const negotiation = { sopClassUid: FIND, serviceClassApplicationInformation: Buffer.from([1, 0, 1]) };
    const rq = encodeAssociateRequest({
      calledAETitle: 'TESSERA',
      callingAETitle: 'WORKSTATION',
      presentationContexts: [{ id: 1, abstractSyntax: FIND, transferSyntaxes: ['1.2.840.10008.1.2'] }],
      maxPduLength: 16384,
      implementationClassUid: '1.2.3',
      implementationVersionName: 'TEST',
      roleSelections: [],
      extendedNegotiations: [negotiation],
    });
    // Type 56H, reserved, length 2 + 27 + 3; then the UID's length and the UID, then the three bytes.
    const at = rq.indexOf(Buffer.from([0x56, 0x00, 0x00, 0x20, 0x00, 0x1b]));
    expect(at).toBeGreaterThan(0);
    expect(rq.subarray(at + 6 + 27, at + 6 + 27 + 3)).toEqual(Buffer.from([1, 0, 1]));
    const request = decodePdu(rq[0] as number, rq.subarray(6));
    if (request.type !== PduType.AssociateRQ) throw new Error('not an RQ');
    expect(request.request.extendedNegotiations).toEqual([negotiation]);
    const ac = encodeAssociateAccept({ calledAETitle: 'TESSERA', callingAETitle: 'WORKSTATION', presentationContexts: [], maxPduLength: 0, implementationClassUid: '1.2.3', implementationVersionName: 'T', extendedNegotiations: [negotiation] });
    const accept = decodePdu(ac[0] as number, ac.subarray(6));
    if (accept.type !== PduType.AssociateAC) throw new Error('not an AC');
    expect(accept.accept.extendedNegotiations).toEqual([negotiation]);
    const overrun = Buffer.from(rq);
    overrun.writeUInt16BE(0x40, at + 4);
    expect(() => decodePdu(overrun[0] as number, overrun.subarray(6))).toThrow(PduError);
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

  describe('User Identity Negotiation (PS3.7 D.3.3.7)', () => {
    // A-ASSOCIATE-RQ variable field: protocol version, reserved, called and calling AE titles, 32
    // reserved bytes (PS3.8 Table 9-11), the application context item, then a user information item.
    function associateRq(subItems: Buffer): Buffer {
      const fixed = Buffer.alloc(68);
      fixed.writeUInt16BE(1, 0);
      fixed.write('TESSERA'.padEnd(16), 4, 'latin1');
      fixed.write('MODALITY'.padEnd(16), 20, 'latin1');
      const context = Buffer.concat([Buffer.from([0x10, 0, 0, 21]), Buffer.from('1.2.840.10008.3.1.1.1', 'latin1')]);
      const user = Buffer.concat([Buffer.from([0x50, 0, 0, subItems.length]), subItems]);
      return Buffer.concat([fixed, context, user]);
    }
    const request = (body: Buffer): AssociateRequest => {
      const pdu = decodePdu(PduType.AssociateRQ, body);
      if (pdu.type !== PduType.AssociateRQ) throw new Error('not an RQ');
      return pdu.request;
    };

    it('reads a username and passcode sub-item (58H) laid out as in Table D.3-14', () => {
      // 58H, reserved, item length 18; type 2, positive response requested; "alice" (5); "s3cret!" (7).
      const item = Buffer.from('58000012' + '02' + '01' + '0005' + '616c696365' + '0007' + '73336372657421', 'hex');
      expect(request(associateRq(item)).userIdentity).toEqual({ type: UserIdentityType.UsernameAndPasscode, positiveResponseRequested: true, primaryField: Buffer.from('alice'), secondaryField: Buffer.from('s3cret!') });
    });

    it('reads a JWT sub-item with an empty secondary field and no response requested', () => {
      const token = Buffer.from('eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'latin1');
      const item = Buffer.concat([Buffer.from([0x58, 0, 0, 6 + token.length, 5, 0, 0, token.length]), token, Buffer.from([0, 0])]);
      expect(request(associateRq(item)).userIdentity).toEqual({ type: UserIdentityType.Jwt, positiveResponseRequested: false, primaryField: token, secondaryField: Buffer.alloc(0) });
    });

    it('aborts on a sub-item whose field lengths do not add up to its item length', () => {
      // Primary field length 9 where only 5 bytes follow before the secondary field length.
      const item = Buffer.from('58000012' + '02' + '01' + '0009' + '616c696365' + '0007' + '73336372657421', 'hex');
      const attempt = () => request(associateRq(item));
      expect(attempt).toThrow(PduError);
      expect(attempt).toThrow(expect.objectContaining({ abortReason: AbortReason.InvalidPduParameterValue }));
    });

    it('writes the sub-item as the requester, byte for byte', () => {
      const rq = encodeAssociateRequest({
        calledAETitle: 'TESSERA',
        callingAETitle: 'MODALITY',
        presentationContexts: [],
        maxPduLength: 16384,
        implementationClassUid: '1.2.3',
        implementationVersionName: 'TEST',
        roleSelections: [],
        userIdentity: { type: UserIdentityType.UsernameAndPasscode, positiveResponseRequested: true, primaryField: Buffer.from('alice'), secondaryField: Buffer.from('s3cret!') },
      });
      expect(rq.subarray(rq.length - 22)).toEqual(Buffer.from('58000012' + '02' + '01' + '0005' + '616c696365' + '0007' + '73336372657421', 'hex'));
    });

    it('writes the server response sub-item (59H, Table D.3-15) in the A-ASSOCIATE-AC, empty or not, and reads it back', () => {
      const accept = (serverResponse?: Buffer) =>
        encodeAssociateAccept({
          calledAETitle: 'TESSERA',
          callingAETitle: 'MODALITY',
          presentationContexts: [],
          maxPduLength: 16384,
          implementationClassUid: '1.2.3',
          implementationVersionName: 'TESSERA',
          ...(serverResponse ? { userIdentityServerResponse: serverResponse } : {}),
        });
      const empty = accept(Buffer.alloc(0));
      // 59H, reserved, item length 2, server-response-length 0: the last item of the user information.
      expect(empty.subarray(empty.length - 6)).toEqual(Buffer.from('590000020000', 'hex'));
      const ticket = accept(Buffer.from('TICKET'));
      expect(ticket.subarray(ticket.length - 12)).toEqual(Buffer.concat([Buffer.from('590000080006', 'hex'), Buffer.from('TICKET')]));
      for (const [bytes, expected] of [[empty, Buffer.alloc(0)], [ticket, Buffer.from('TICKET')]] as const) {
        const decoded = decodePdu(PduType.AssociateAC, bytes.subarray(6));
        if (decoded.type !== PduType.AssociateAC) throw new Error('not an AC');
        expect(decoded.accept.userIdentityServerResponse).toEqual(expected);
      }
      // Without an accepted identity whose response was asked for, there is no 59H item at all.
      const none = accept();
      const noneDecoded = decodePdu(PduType.AssociateAC, none.subarray(6));
      if (noneDecoded.type !== PduType.AssociateAC) throw new Error('not an AC');
      expect(noneDecoded.accept.userIdentityServerResponse).toBeUndefined();
    });
  });
});
