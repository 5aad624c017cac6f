import type { AuditMessage } from './audit-message';
import { formatSyslogMessage, frameSyslogMessage } from './syslog-message';

const message = (outcome: AuditMessage['outcome'], xml = '<AuditMessage/>'): AuditMessage => ({
  xml,
  eventType: '110114',
  action: 'E',
  outcome,
  eventTime: '2026-11-22T10:15:30.123Z',
  userIds: [],
  patientIds: [],
  studyInstanceUIDs: [],
});
const origin = { hostname: 'pacs1.example.org', appName: 'tessera', procId: '4242' };

describe('RFC 5424 syslog messages for IHE ITI-20', () => {
  it('uses facility 10 with severity 5 for a success and 4 for a failure, MSGID IHE+RFC-3881, and the XML behind a BOM', () => {
    expect(formatSyslogMessage(message(0), origin).toString('utf8')).toBe('<85>1 2026-11-22T10:15:30.123Z pacs1.example.org tessera 4242 IHE+RFC-3881 - \uFEFF<AuditMessage/>');
    expect(formatSyslogMessage(message(8), origin).subarray(0, 5).toString()).toBe('<84>1');
  });

  it('keeps header fields printable US-ASCII within their lengths, NILVALUE when empty', () => {
    const text = formatSyslogMessage(message(0), { hostname: 'host name\u00e9', appName: 'x'.repeat(60), procId: '' }).toString('utf8');
    expect(text.startsWith(`<85>1 2026-11-22T10:15:30.123Z host_name_ ${'x'.repeat(48)} - IHE+RFC-3881 - `)).toBe(true);
  });

  it('frames by octet count, counting bytes, not characters (RFC 5425 4.3)', () => {
    const payload = formatSyslogMessage(message(0, '<AuditMessage a="ü😀"/>'), origin);
    const frame = frameSyslogMessage(payload);
    const space = frame.indexOf(0x20);
    expect(Number(frame.subarray(0, space).toString())).toBe(payload.length);
    expect(frame.subarray(space + 1)).toEqual(payload);
    expect(payload.length).toBeGreaterThan(payload.toString('utf8').length);
  });
});
