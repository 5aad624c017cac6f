import { createHmac } from 'node:crypto';

/**
 * The key of one de-identification scope (a research project, a tenant's on-the-fly view): an HMAC
 * of the server's secret and the scope's name, so that replacements agree within the scope and
 * cannot be linked across scopes.
 */
export function deidKey(secret: string, purpose: string, scope: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}\u0000${scope}`).digest();
}

/**
 * A patient's pseudonym under a scope's key: "P" and 15 hexadecimal digits of an HMAC of Issuer of
 * Patient ID and Patient ID, so that a patient's studies stay together without saying who it is.
 */
export function hmacPseudonym(key: Buffer, patient: { readonly id?: string; readonly issuer?: string } | undefined): string {
  return `P${createHmac('sha256', key).update(`${patient?.issuer ?? ''}\u0000${patient?.id ?? ''}`).digest('hex').slice(0, 15).toUpperCase()}`;
}
