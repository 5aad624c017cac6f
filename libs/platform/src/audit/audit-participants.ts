import { stringValue, type DicomJsonDataset } from '@tessera/dicom';
import type { AuditParticipant, AuditPatient } from '@tessera/audit';
import type { AssociationInfo, AssociationUser } from '@tessera/dicom';
import type { Principal } from '@tessera/identity';
import { hostname } from 'node:os';
import { isIP } from 'node:net';

/** The network access point of an address (PS3.15 A.5.2.4): an IP address, or a machine name. */
function accessPoint(address: string): AuditParticipant['networkAccessPoint'] {
  const bare = address.replace(/^::ffff:/, '');
  return { id: bare, type: isIP(bare) ? 'ip-address' : 'machine-name' };
}

/** An HTTP caller, as the person or service account the token names (PS3.15 A.5.2). */
export function callerParticipant(caller: Principal, address: string | undefined, isRequestor = true): AuditParticipant {
  return {
    userId: caller.subject,
    alternativeUserId: caller.issuer,
    userName: caller.name,
    isRequestor,
    ...(address ? { networkAccessPoint: accessPoint(address) } : {}),
  };
}

/** Someone known only by where they connected from (a refused token). */
export function anonymousParticipant(address: string | undefined, userId = 'unknown'): AuditParticipant {
  return { userId, isRequestor: true, ...(address ? { networkAccessPoint: accessPoint(address) } : {}) };
}

/** A DICOM peer, by the AE titles it used and its address (PS3.15 A.5.2.2). */
export function aeParticipant(aeTitle: string, address: string | undefined, isRequestor: boolean): AuditParticipant {
  return { userId: aeTitle, aeTitles: [aeTitle], isRequestor, ...(address ? { networkAccessPoint: accessPoint(address) } : {}) };
}

/** A user proven by DICOM User Identity Negotiation (PS3.7 D.3.3.7), as the token or account names them. */
export function associationUserParticipant(user: AssociationUser, address: string | undefined, isRequestor = true): AuditParticipant {
  return { userId: user.id, alternativeUserId: user.issuer, userName: user.name, isRequestor, ...(address ? { networkAccessPoint: accessPoint(address) } : {}) };
}

/**
 * The requester of an association: its AE, named by the AE title; where the association has a
 * verified user, that user's name is the participant's UserName (PS3.15 A.5.2.3), so that the
 * messages of the association say who was behind the AE.
 */
export function associationParticipant(association: AssociationInfo, isRequestor: boolean): AuditParticipant {
  const ae = aeParticipant(association.callingAETitle, association.remoteAddress, isRequestor);
  return association.user ? { ...ae, userName: association.user.name } : ae;
}

/** Tessera itself: the process serving the request, with its AE title when the request is DICOM. */
export function tesseraParticipant(userId: string, aeTitle?: string): AuditParticipant {
  return { userId, ...(aeTitle ? { aeTitles: [aeTitle] } : {}), isRequestor: false, networkAccessPoint: { id: hostname(), type: 'machine-name' } };
}

/** A patient from DICOM JSON attributes (Patient ID, Issuer of Patient ID, Patient's Name). */
export function patientOf(attributes: DicomJsonDataset): AuditPatient | undefined {
  const id = stringValue(attributes, '00100020');
  if (id === undefined) return undefined;
  const issuer = stringValue(attributes, '00100021');
  const name = stringValue(attributes, '00100010');
  return { id, ...(issuer ? { issuer } : {}), ...(name ? { name } : {}) };
}
