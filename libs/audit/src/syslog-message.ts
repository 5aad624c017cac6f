import type { AuditMessage } from './audit-message';

/** Who the syslog header says sent a message (RFC 5424 6.2.4 to 6.2.6). */
export interface SyslogOrigin {
  /** HOSTNAME: this host's FQDN, as RFC 5424 6.2.4 prefers. */
  readonly hostname: string;
  /** APP-NAME, e.g. "tessera". */
  readonly appName: string;
  /** PROCID, e.g. the process id. */
  readonly procId: string;
}

/** Facility 10, security/authorization messages, as IHE ITI-20 requires for audit messages. */
const FACILITY_AUTHPRIV = 10;
/** Severity 5 (notice, "normal but significant") for successes, 4 (warning) for failures (IHE ITI-20). */
const SEVERITY_NOTICE = 5;
const SEVERITY_WARNING = 4;
/** MSGID of an ATNA audit message (IHE ITI-20). */
export const ATNA_MSGID = 'IHE+RFC-3881';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The audit message as one RFC 5424 SYSLOG-MSG: the header IHE ITI-20 asks for (PRI facility 10,
 * MSGID "IHE+RFC-3881"), no structured data, and the XML as MSG, UTF-8 behind a BOM (RFC 5424 6.4).
 */
export function formatSyslogMessage(message: AuditMessage, origin: SyslogOrigin): Buffer {
  const pri = FACILITY_AUTHPRIV * 8 + (message.outcome === 0 ? SEVERITY_NOTICE : SEVERITY_WARNING);
  const header = `<${pri}>1 ${message.eventTime} ${field(origin.hostname, 255)} ${field(origin.appName, 48)} ${field(origin.procId, 128)} ${ATNA_MSGID} -`;
  return Buffer.concat([Buffer.from(`${header} `, 'ascii'), BOM, Buffer.from(message.xml, 'utf8')]);
}

/** Octet-counting framing (RFC 5425 4.3, RFC 6587 3.4.1): MSG-LEN SP SYSLOG-MSG. */
export function frameSyslogMessage(syslogMessage: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${syslogMessage.length} `, 'ascii'), syslogMessage]);
}

// Header fields are printable US-ASCII without spaces (RFC 5424 6: PRINTUSASCII), at most `max`
// long; "-" (NILVALUE) when nothing is left.
function field(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return printable === '' ? '-' : printable;
}
