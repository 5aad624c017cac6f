import { FhirError } from './fhir-error';
import type { ImagingStudy } from './resources';
import { readSubscription, subscriptionMatches, subscriptionResource, type StoredSubscription } from './subscription';

const body = (overrides: Record<string, unknown> = {}, channel: Record<string, unknown> = {}) => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Tell the AI when a study is in',
  criteria: 'ImagingStudy?patient=Patient/p-1',
  channel: { type: 'rest-hook', endpoint: 'https://ai.example/hook', payload: 'application/fhir+json', header: ['Authorization: Bearer s3cret'], ...channel },
  ...overrides,
});
const refusal = (value: unknown): string => {
  try {
    readSubscription(value);
  } catch (err) {
    if (err instanceof FhirError) return `${err.code} ${err.expression ?? ''}`;
    throw err;
  }
  return 'accepted';
};
const study: ImagingStudy = {
  resourceType: 'ImagingStudy',
  id: '1.2.3',
  status: 'available',
  subject: { reference: 'Patient/p-1' },
  identifier: [
    { system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' },
    { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] }, value: 'ACC-1' },
  ],
};
const stored = (criteria: string, extra: Partial<StoredSubscription> = {}): StoredSubscription => ({ ...readSubscription(body({ criteria })), id: 's', status: 'active', ...extra });

describe('Subscription', () => {
  it('reads a rest-hook subscription and gives it back as the server holds it', () => {
    const request = readSubscription(body());
    expect(request).toEqual({
      criteria: { text: 'ImagingStudy?patient=Patient/p-1', patient: 'p-1' },
      reason: 'Tell the AI when a study is in',
      endpoint: 'https://ai.example/hook',
      payload: 'application/fhir+json',
      headers: ['Authorization: Bearer s3cret'],
    });
    expect(subscriptionResource({ ...request, id: 'abc', status: 'error', error: 'HTTP 503' })).toEqual({
      resourceType: 'Subscription',
      id: 'abc',
      status: 'error',
      reason: 'Tell the AI when a study is in',
      criteria: 'ImagingStudy?patient=Patient/p-1',
      error: 'HTTP 503',
      channel: { type: 'rest-hook', endpoint: 'https://ai.example/hook', payload: 'application/fhir+json', header: ['Authorization: Bearer s3cret'] },
    });
    const bare = readSubscription(body({ criteria: 'ImagingStudy' }, { payload: undefined, header: undefined }));
    expect(subscriptionResource({ ...bare, id: 'x', status: 'active' }).channel).toEqual({ type: 'rest-hook', endpoint: 'https://ai.example/hook' });
  });

  it('refuses what it cannot honour, naming the element', () => {
    expect(refusal({ resourceType: 'Patient' })).toBe('invalid-resource Subscription');
    expect(refusal(body({ status: 'active' }))).toBe('invalid-resource Subscription.status');
    expect(refusal(body({ reason: undefined }))).toBe('invalid-resource Subscription.reason');
    expect(refusal(body({ criteria: 'Patient?name=x' }))).toBe('invalid-resource Subscription.criteria');
    expect(refusal(body({ criteria: 'ImagingStudy?modality=CT' }))).toBe('invalid-resource Subscription.criteria');
    expect(refusal(body({ criteria: 'ImagingStudy?patient=a&patient=b' }))).toBe('invalid-resource Subscription.criteria');
    expect(refusal(body({ criteria: 'ImagingStudy?patient=a,b' }))).toBe('invalid-resource Subscription.criteria');
    expect(refusal(body({ end: 'tomorrow' }))).toBe('invalid-resource Subscription.end');
    expect(refusal(body({}, { type: 'websocket' }))).toBe('invalid-resource Subscription.channel.type');
    expect(refusal(body({}, { endpoint: 'ftp://ai.example/' }))).toBe('invalid-resource Subscription.channel.endpoint');
    expect(refusal(body({}, { endpoint: 'not a url' }))).toBe('invalid-resource Subscription.channel.endpoint');
    expect(refusal(body({}, { payload: 'application/fhir+xml' }))).toBe('invalid-resource Subscription.channel.payload');
    expect(refusal(body({}, { header: ['no colon'] }))).toBe('invalid-resource Subscription.channel.header');
  });

  it('matches studies by patient and by identifier token, and none after its end', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(subscriptionMatches(stored('ImagingStudy'), study, now)).toBe(true);
    expect(subscriptionMatches(stored('ImagingStudy?patient=p-1'), study, now)).toBe(true);
    expect(subscriptionMatches(stored('ImagingStudy?patient=p-2'), study, now)).toBe(false);
    expect(subscriptionMatches(stored('ImagingStudy?identifier=ACC-1'), study, now)).toBe(true);
    expect(subscriptionMatches(stored('ImagingStudy?identifier=%7CACC-1'), study, now)).toBe(true);
    expect(subscriptionMatches(stored('ImagingStudy?identifier=urn:dicom:uid%7Curn:oid:1.2.3'), study, now)).toBe(true);
    expect(subscriptionMatches(stored('ImagingStudy?identifier=urn:dicom:uid%7CACC-1'), study, now)).toBe(false);
    expect(subscriptionMatches(stored('ImagingStudy?patient=p-1&identifier=ACC-2'), study, now)).toBe(false);
    expect(subscriptionMatches(stored('ImagingStudy', { end: '2026-11-22T12:00:00Z' }), study, now)).toBe(false);
  });
});
