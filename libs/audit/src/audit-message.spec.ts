import { AuditError, AuditErrorCode } from './audit-error';
import type { BeginTransferringInstancesEvent } from './audit-event';
import { SAMPLE_EVENTS } from './audit-event.samples';
import { buildAuditMessage } from './audit-message';
import { escapeXmlAttribute, escapeXmlText } from './xml-escape';

const SOURCE = { auditSourceId: 'tessera@pacs1' };
const AT = new Date('2026-11-22T10:15:30.123Z');

describe('buildAuditMessage', () => {
  it('writes a User Authentication message exactly as PS3.15 A.5.1 and A.5.3 lay it out', () => {
    const message = buildAuditMessage(
      { type: 'user-authentication', tenant: 'hosp-a', activity: 'login', outcome: { indicator: 4, description: 'invalid password' }, user: { userId: 'mallory', isRequestor: true, networkAccessPoint: { id: '192.0.2.7', type: 'ip-address' } } },
      SOURCE,
      AT,
    );
    expect(message.xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><AuditMessage>' +
        '<EventIdentification EventActionCode="E" EventDateTime="2026-11-22T10:15:30.123Z" EventOutcomeIndicator="4">' +
        '<EventID csd-code="110114" codeSystemName="DCM" originalText="User Authentication"/>' +
        '<EventTypeCode csd-code="110122" codeSystemName="DCM" originalText="Login"/>' +
        '<EventOutcomeDescription>invalid password</EventOutcomeDescription></EventIdentification>' +
        '<ActiveParticipant UserID="mallory" UserIsRequestor="true" NetworkAccessPointID="192.0.2.7" NetworkAccessPointTypeCode="2"/>' +
        '<AuditSourceIdentification AuditEnterpriseSiteID="hosp-a" AuditSourceID="tessera@pacs1"><AuditSourceTypeCode csd-code="4"/></AuditSourceIdentification>' +
        '</AuditMessage>',
    );
    expect(message).toMatchObject({ eventType: '110114', action: 'E', outcome: 4, eventTime: '2026-11-22T10:15:30.123Z', tenant: 'hosp-a', userIds: ['mallory'], patientIds: [], studyInstanceUIDs: [] });
  });

  it("carries a deletion's reason as the patient's ParticipantObjectDetail \"Reason\" (PS3.15 A.5.1.1), base64 as the schema wants", () => {
    const message = buildAuditMessage({ type: 'patient-record', tenant: 'hosp-a', action: 'D', actors: [{ userId: 'admin', isRequestor: true }], patient: { id: 'P1', issuer: 'HOSP' }, reason: 'GDPR Art. 17 <#4711>' }, SOURCE, AT);
    expect(message.xml).toContain(`<ParticipantObjectDetail type="Reason" value="${Buffer.from('GDPR Art. 17 <#4711>').toString('base64')}"/>`);
    expect(message).toMatchObject({ action: 'D', patientIds: ['P1'] });
  });

  it('indexes a message by its participants, patients and studies, and prefers the time the event names', () => {
    const message = buildAuditMessage({ ...(SAMPLE_EVENTS['begin transferring'] as BeginTransferringInstancesEvent), occurredAt: new Date('2026-01-02T03:04:05.000Z') }, SOURCE, AT);
    expect(message).toMatchObject({
      eventType: '110102',
      action: 'E',
      eventTime: '2026-01-02T03:04:05.000Z',
      userIds: ['tessera@pacs1', 'CT01'],
      patientIds: ['PAT-0001'],
      studyInstanceUIDs: ['1.2.826.0.1.3680043.8.498.1', '1.2.826.0.1.3680043.8.498.2'],
    });
    expect(message.xml).toContain('<ParticipantObjectDescription><MPPS UID="1.2.826.0.1.3680043.8.498.9"/><Accession Number="ACC-1"/><SOPClass UID="1.2.840.10008.5.1.4.1.1.2" NumberOfInstances="120"/>');
  });

  it('refuses events its message could not describe', () => {
    const expectInvalid = (f: () => unknown, why: RegExp) => {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AuditError);
      expect(error).toMatchObject({ code: AuditErrorCode.InvalidEvent, message: expect.stringMatching(why) });
    };
    const patient = { id: 'P' };
    expectInvalid(() => buildAuditMessage({ type: 'instances-accessed', action: 'R', actors: [], studies: [{ studyInstanceUID: '1.2' }], patient }, SOURCE, AT), /actors: 0 given, 1 to 2/);
    expectInvalid(() => buildAuditMessage({ type: 'instances-transferred', action: 'C', source: { userId: 'A', isRequestor: true }, destination: { userId: 'B', isRequestor: false }, studies: [], patient }, SOURCE, AT), /studies: 0 given, at least 1/);
    expectInvalid(() => buildAuditMessage({ type: 'export', media: { id: 'cd', mediaType: { code: '110032', codeSystemName: 'DCM', originalText: 'CD' } }, patients: [] }, SOURCE, AT), /patients/);
    expectInvalid(() => buildAuditMessage({ type: 'user-authentication', activity: 'logout', user: { userId: '', isRequestor: true } }, SOURCE, AT), /UserID/);
  });
});

describe('XML escaping', () => {
  it('escapes markup, keeps line breaks and tabs as references, and replaces what XML 1.0 cannot hold', () => {
    expect(escapeXmlAttribute('<a href="x">&\'\t\r\n</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#9;&#13;&#10;&lt;/a&gt;');
    expect(escapeXmlText(']]> <b> & "q"\r\n\t')).toBe(']]&gt; &lt;b&gt; &amp; "q"&#13;&#10;\t');
    expect(escapeXmlText('nul\u0000 bell\u0007 lone\uDC00 nonchar\uFFFE astral😀 bmp\uD7FF')).toBe('nul\uFFFD bell\uFFFD lone\uFFFD nonchar\uFFFD astral😀 bmp\uD7FF');
  });
});
