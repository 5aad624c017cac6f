import { repoRoot, requireInfra } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { AuditEvent } from './audit-event';
import { SAMPLE_EVENTS } from './audit-event.samples';
import { buildAuditMessage } from './audit-message';

const run = promisify(execFile);
const SCHEMA = path.join(repoRoot(), 'libs', 'audit', 'schema', 'audit-message.rnc');

interface Parsed {
  event: Record<string, string>;
  eventId: Record<string, string>;
  eventTypes: Record<string, string>[];
  outcomeDescription: string | null;
  participants: (Record<string, string> & { roles: string[]; media: string[] })[];
  source: Record<string, string>;
  objects: { attributes: Record<string, string>; idType: Record<string, string>; name: string | null; queryHex: string | null; details: { type: string; valueHex: string }[] }[];
}
interface Result {
  valid: boolean;
  errors: string[];
  parsed: Parsed | null;
}

/** lxml's RELAX NG validator on the schema of PS3.15 A.5.1.1 (test/e2e/peers/audit_schema.py). */
async function validate(messages: readonly string[]): Promise<Result[]> {
  const child = run(requireInfra().python, [path.join(repoRoot(), 'test', 'e2e', 'peers', 'audit_schema.py')], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin?.end(JSON.stringify({ schema: SCHEMA, messages }));
  return (JSON.parse((await child).stdout) as { results: Result[] }).results;
}

const SOURCE = { auditSourceId: 'tessera@pacs1' };
const AT = new Date('2026-11-22T10:15:30.123Z');
const names = Object.keys(SAMPLE_EVENTS);
const build = (name: string) => buildAuditMessage(SAMPLE_EVENTS[name] as AuditEvent, SOURCE, AT);

describe('audit messages against the DICOM audit message schema (PS3.15 A.5.1), validated by lxml', () => {
  let results: Map<string, Result>;
  beforeAll(async () => {
    const out = await validate(names.map((n) => build(n).xml));
    results = new Map(names.map((n, i) => [n, out[i] as Result]));
  });

  it.each(names)('%s: valid', (name) => {
    expect(results.get(name)).toMatchObject({ valid: true, errors: [] });
  });

  it('says what the standard codes say: event, roles, object types (PS3.15 A.5.3)', () => {
    const transferred = results.get('instances transferred (stored)')?.parsed as Parsed;
    expect(transferred.eventId).toEqual({ 'csd-code': '110104', codeSystemName: 'DCM', originalText: 'DICOM Instances Transferred' });
    expect(transferred.event).toEqual({ EventActionCode: 'C', EventDateTime: '2026-11-22T10:15:30.123Z', EventOutcomeIndicator: '0' });
    expect(transferred.participants.map((p) => [p.UserID, p.AlternativeUserID, p.UserIsRequestor, p.roles])).toEqual([
      ['CT01', 'AETITLES=CT01', 'true', ['110153']],
      ['tessera@pacs1', 'AETITLES=TESSERA', 'false', ['110152']],
    ]);
    expect(transferred.source).toEqual({ AuditEnterpriseSiteID: 'hosp-a', AuditSourceID: 'tessera@pacs1' });
    expect(transferred.objects.map((o) => [o.attributes, o.idType['csd-code'], o.name])).toEqual([
      [{ ParticipantObjectID: '1.2.826.0.1.3680043.8.498.1', ParticipantObjectTypeCode: '2', ParticipantObjectTypeCodeRole: '3' }, '110180', 'CT chest'],
      [{ ParticipantObjectID: 'PAT-0001^^^HOSP-A', ParticipantObjectTypeCode: '1', ParticipantObjectTypeCodeRole: '1' }, '2', 'Müller^Jürgen'],
    ]);
    const login = results.get('user login failed')?.parsed as Parsed;
    expect([login.eventId['csd-code'], login.eventTypes.map((t) => t['csd-code']), login.event.EventOutcomeIndicator, login.outcomeDescription]).toEqual(['110114', ['110122'], '4', 'invalid password']);
    const exported = results.get('export')?.parsed as Parsed;
    expect(exported.participants.at(-1)).toMatchObject({ UserID: 'https://partner.example.org/dicomweb', roles: ['110154'], media: ['110037'] });
  });

  it('carries the query itself, base64 in ParticipantObjectQuery, and its transfer syntax', () => {
    const cfind = results.get('query (C-FIND)')?.parsed as Parsed;
    expect(cfind.objects).toEqual([
      {
        attributes: { ParticipantObjectID: '1.2.840.10008.5.1.4.1.2.2.1', ParticipantObjectTypeCode: '2', ParticipantObjectTypeCodeRole: '3' },
        idType: { 'csd-code': '110181', codeSystemName: 'DCM', originalText: 'SOP Class UID' },
        name: null,
        queryHex: '0800520006000000535455445920',
        details: [{ type: 'TransferSyntax', valueHex: Buffer.from('1.2.840.10008.1.2.1').toString('hex') }],
      },
    ]);
    expect((results.get('query (QIDO-RS)')?.parsed as Parsed).objects[0]?.queryHex).toBe(Buffer.from('PatientID=PAT-0001&StudyDate=20260101-&includefield=<all>').toString('hex'));
  });

  it('escapes whatever text it is given: the parser reads back exactly what went in, less what XML cannot hold', () => {
    const hostile = results.get('hostile text')?.parsed as Parsed;
    expect(hostile.participants[0]).toMatchObject({ UserID: 'a"b\'c<d>e&f\tg\nh\uFFFDi\uFFFDj', UserName: '😀 emoji ok, \uFFFD bell not' });
    expect(hostile.outcomeDescription).toBe('line 1\r\nline 2 </EventOutcomeDescription><x/> ]]> & more');
    expect(hostile.objects[0]?.name).toBe('O\'Brien^<Script>&amp;');
    expect(build('hostile text').xml).not.toMatch(/[\r\n]/);
  });

  it('is a test that can fail: the validator rejects broken messages', async () => {
    const good = build('instances transferred (stored)').xml;
    const broken = [
      good.replace('EventActionCode="C"', 'EventActionCode="X"'),
      good.replace('UserIsRequestor="true"', 'UserIsRequestor="yes"'),
      good.replace(/<ParticipantObjectName>CT chest<\/ParticipantObjectName>/, ''),
      good.replace(/(<ActiveParticipant .*<\/ActiveParticipant>)(<AuditSourceIdentification .*<\/AuditSourceIdentification>)/, '$2$1'),
      good.replace('csd-code="110104" ', ''),
      good.replace('Müller^Jürgen', 'Müller & Jürgen'),
    ];
    const out = await validate([good, ...broken]);
    expect(out.map((r) => r.valid)).toEqual([true, false, false, false, false, false, false]);
    expect(out.at(-1)?.errors[0]).toMatch(/not well-formed/);
  });
});
