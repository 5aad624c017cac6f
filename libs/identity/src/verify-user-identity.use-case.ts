import type { DimseUserIdentityPolicy } from '@tessera/config';
import { UserIdentityType, type AssociationUser, type UserIdentity } from '@tessera/dicom';
import { AuthenticationError } from './authentication-error';
import { checkDevPassword, type DevUser } from './dev-accounts';
import type { TokenVerifier } from './token-verifier';

/** What the check needs besides the offered identity: how to check tokens, and passwords if any. */
export interface UserIdentityVerifiers {
  readonly tokens: TokenVerifier;
  /** The embedded provider's development accounts and its issuer URL; absent with an external issuer. */
  readonly passwords?: { readonly issuer: string; readonly users: readonly DevUser[] };
}

/** Why an association's user identity was refused; each rejects the association. */
export type UserIdentityRefusal = 'missing' | 'unsupported-type' | 'passwords-unavailable' | 'wrong-credentials' | 'invalid-token' | 'other-tenant' | 'issuer-unreachable';

/** The outcome of User Identity Negotiation for one A-ASSOCIATE-RQ. */
export type UserIdentityOutcome =
  /** Nothing was checked: none offered where that is allowed, the policy is `ignore`, or a type that is not supported was passed over. */
  | { readonly kind: 'unchecked'; readonly note?: string }
  /** Verified; `serverResponse` is the User Identity AC sub-item's content when a positive response was asked for. */
  | { readonly kind: 'accepted'; readonly user: AssociationUser; readonly serverResponse?: Buffer }
  /** Refused: the association is rejected. `who` names the claimed user where one was named. */
  | { readonly kind: 'refused'; readonly refusal: UserIdentityRefusal; readonly explanation: string; readonly who?: string };

const TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'username', 2: 'username and passcode', 3: 'Kerberos service ticket', 4: 'SAML assertion', 5: 'JSON Web Token' };

/**
 * User Identity Negotiation (PS3.7 D.3.3.7) for an association addressed to `tenant`:
 * - a JWT (type 5) is checked like an HTTP bearer token (issuer, audience, signature, expiry), and
 *   its caller must belong to the tenant;
 * - a username and passcode (type 2) is checked against the embedded provider's development
 *   accounts, in constant time, and the account must belong to the tenant; with an external issuer
 *   there are no passwords to check it against, so it is refused;
 * - a bare username (1), a Kerberos ticket (3) or a SAML assertion (4) proves nothing Tessera can
 *   check: D.3.3.7 lets an acceptor that does not support a type go on without a positive response,
 *   so `optional` passes over them and `required` refuses them.
 * `optional` accepts an association that offers none; `required` refuses it; `ignore` checks nothing.
 * The server response is empty (D.3.3.7.2: only Kerberos and SAML carry one back; Tessera issues no
 * token of its own for a JWT).
 */
export async function verifyUserIdentity(offered: UserIdentity | undefined, tenant: string, policy: DimseUserIdentityPolicy, verifiers: UserIdentityVerifiers): Promise<UserIdentityOutcome> {
  if (policy === 'ignore') return { kind: 'unchecked' };
  if (!offered) return policy === 'required' ? { kind: 'refused', refusal: 'missing', explanation: 'no user identity was offered and one is required' } : { kind: 'unchecked' };
  const accepted = (user: AssociationUser): UserIdentityOutcome => ({ kind: 'accepted', user, ...(offered.positiveResponseRequested ? { serverResponse: Buffer.alloc(0) } : {}) });
  switch (offered.type) {
    case UserIdentityType.Jwt: {
      let caller;
      try {
        caller = await verifiers.tokens.verify(offered.primaryField.toString('latin1'));
      } catch (err) {
        if (!(err instanceof AuthenticationError)) throw err;
        return { kind: 'refused', refusal: err.code === 'issuer-unreachable' ? 'issuer-unreachable' : 'invalid-token', explanation: `the JSON Web Token was refused: ${err.message}` };
      }
      if (!caller.tenants.includes(tenant)) return { kind: 'refused', refusal: 'other-tenant', explanation: `${caller.name} does not belong to tenant ${tenant}`, who: caller.name };
      return accepted({ id: caller.subject, name: caller.name, issuer: caller.issuer });
    }
    case UserIdentityType.UsernameAndPasscode: {
      // PS3.7 D.3.3.7.1: the username is UTF-8; the passcode is compared as the bytes it was sent as.
      const username = offered.primaryField.toString('utf8');
      if (!verifiers.passwords) {
        return { kind: 'refused', refusal: 'passwords-unavailable', who: username, explanation: 'a username and passcode can be checked only against the embedded provider\u2019s development accounts, and an external OpenID provider is configured: offer a JSON Web Token instead' };
      }
      const user = checkDevPassword(verifiers.passwords.users, username, offered.secondaryField.toString('utf8'));
      if (!user) return { kind: 'refused', refusal: 'wrong-credentials', explanation: 'wrong username or passcode', who: username };
      if (!user.tenants.includes(tenant)) return { kind: 'refused', refusal: 'other-tenant', explanation: `${username} does not belong to tenant ${tenant}`, who: username };
      return accepted({ id: username, name: username, issuer: verifiers.passwords.issuer });
    }
    default: {
      const what = TYPE_NAMES[offered.type] ?? `user identity type ${offered.type}`;
      if (policy === 'required') return { kind: 'refused', refusal: 'unsupported-type', explanation: `a ${what} cannot be verified here; offer a JSON Web Token or a username and passcode` };
      return { kind: 'unchecked', note: `a ${what} was offered and passed over: it cannot be verified here` };
    }
  }
}
