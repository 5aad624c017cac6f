import { constants } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';

/**
 * The TLS parameters of the Non-Downgrading BCP 195 TLS Secure Transport Connection Profile
 * (PS3.15 B.9), for both sides of an association:
 * - TLS 1.2 or later and never lower, whatever the peer offers (RFC 8996 deprecates 1.0 and 1.1);
 * - only AEAD cipher suites with forward secrecy: for TLS 1.2 the four suites of the profile
 *   (ECDHE-RSA and DHE-RSA with AES-GCM, RFC 7525 4.2) and their ECDSA counterparts (RFC 9325 4.2),
 *   for TLS 1.3 its own suites, all AEAD;
 * - no renegotiation (TLS 1.3 has none; in TLS 1.2 it is refused), so that nothing about the
 *   connection changes after the handshake that was verified.
 */
export const BCP195_NON_DOWNGRADING = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'DHE-RSA-AES128-GCM-SHA256',
    'DHE-RSA-AES256-GCM-SHA384',
  ].join(':'),
  // The DHE suites need Diffie-Hellman parameters; 'auto' lets OpenSSL pick well-known ones of adequate size.
  dhparam: 'auto',
  secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
} as const satisfies SecureContextOptions;

/** Our certificate and whom we trust, for one side of a TLS association. */
export interface TlsCredentials {
  /** Our certificate chain, PEM, leaf first. */
  readonly cert?: string | Buffer;
  /** The private key of that certificate, PEM. */
  readonly key?: string | Buffer;
  /** The trusted CA certificates, PEM; without them, Node's bundled public CAs. */
  readonly ca?: string | Buffer;
}
