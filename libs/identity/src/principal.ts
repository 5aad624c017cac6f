import type { Role } from './roles';

/** An authenticated caller, from a verified token. */
export interface Principal {
  /** The issuer's subject identifier (`sub`). */
  readonly subject: string;
  /** A readable name for logs and audit (`preferred_username`, else `sub`). */
  readonly name: string;
  readonly issuer: string;
  /** Tessera roles the token grants; role names Tessera does not know are left out. */
  readonly roles: readonly Role[];
  /** The tenants (hospitals) the caller belongs to. */
  readonly tenants: readonly string[];
  /** When the token stops being valid (epoch seconds). */
  readonly expiresAt: number;
}
