import type { AssociationInfo } from '@tessera/dicom';
import { associationParticipant, associationUserParticipant } from './audit-participants';

const association: AssociationInfo = { id: 'a', callingAETitle: 'CT1', calledAETitle: 'TESSERA', remoteAddress: '::ffff:192.0.2.7', remotePort: 4100, implementationClassUid: '1.2.3', peerMaxPduLength: 0, roleSelections: [] };

describe('association participants (PS3.15 A.5.2)', () => {
  it('names the requesting AE, and the verified user behind it as its UserName', () => {
    expect(associationParticipant(association, true)).toEqual({ userId: 'CT1', aeTitles: ['CT1'], isRequestor: true, networkAccessPoint: { id: '192.0.2.7', type: 'ip-address' } });
    const withUser = { ...association, user: { id: 'u-1', name: 'tech', issuer: 'https://idp.example.org' } };
    expect(associationParticipant(withUser, true)).toMatchObject({ userId: 'CT1', aeTitles: ['CT1'], userName: 'tech' });
  });

  it('names a user proven by User Identity Negotiation by subject, issuer and name', () => {
    expect(associationUserParticipant({ id: 'u-1', name: 'tech', issuer: 'https://idp.example.org' }, '192.0.2.7')).toEqual({
      userId: 'u-1',
      alternativeUserId: 'https://idp.example.org',
      userName: 'tech',
      isRequestor: true,
      networkAccessPoint: { id: '192.0.2.7', type: 'ip-address' },
    });
  });
});
