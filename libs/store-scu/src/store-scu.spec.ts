import type { AcceptedContext } from '@tessera/dicom';
import { chooseContext, outcomeOf, proposeContexts, type SendableInstance } from './store-scu';

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
