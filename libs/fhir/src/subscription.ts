import { FhirErrorCode, refuse } from './fhir-error';
import type { ImagingStudy, Subscription } from './resources';

/** The MIME type of a notification that carries the resource (FHIR R4 Subscription.channel.payload). */
export const FHIR_JSON_PAYLOAD = 'application/fhir+json';

/** What a Subscription's criteria select: ImagingStudy, optionally of one patient or with one identifier. */
export interface SubscriptionCriteria {
  /** The criteria as the client wrote them, given back as it wrote them. */
  readonly text: string;
  /** A Patient's logical id. */
  readonly patient?: string;
  /** A token: `value`, `system|value` or `|value` (FHIR R4 3.1.1.5.6). */
  readonly identifier?: { readonly system?: string; readonly value: string };
}

/** A rest-hook Subscription as a client asks for it (FHIR R4 8.21). */
export interface SubscriptionRequest {
  readonly criteria: SubscriptionCriteria;
  readonly reason: string;
  /** channel.endpoint: where notifications are POSTed (http or https). */
  readonly endpoint: string;
  /** channel.payload: the resource in each notification, or none (an empty POST). */
  readonly payload: typeof FHIR_JSON_PAYLOAD | '';
  /** channel.header: "Name: value" lines sent with every notification. */
  readonly headers: readonly string[];
  /** When the server stops notifying (R4 Subscription.end), if ever. */
  readonly end?: string;
}

/** R4 subscription-status: requested is the client's to send, the rest the server's to say. */
export type SubscriptionStatus = 'requested' | 'active' | 'error' | 'off';

/** A Subscription as stored: the request, its id and what the server made of it. */
export interface StoredSubscription extends SubscriptionRequest {
  readonly id: string;
  readonly status: SubscriptionStatus;
  /** Why the last notification failed, while status is error. */
  readonly error?: string;
}

const PARAMETERS = ['patient', 'identifier'];
// RFC 7230 3.2: a header field name is a token.
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t -~]*$/;
// FHIR R4 instant.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(message: string, expression: string): never {
  return refuse(FhirErrorCode.InvalidResource, message, expression);
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads Subscription.criteria: `ImagingStudy`, with at most one patient and one identifier parameter. */
export function readCriteria(text: string): SubscriptionCriteria {
  const [type, query = '', ...rest] = text.split('?');
  if (type !== 'ImagingStudy' || rest.length > 0) invalid(`criteria ${JSON.stringify(text)}: only ImagingStudy, optionally with ?patient= or ?identifier=, can be subscribed to`, 'Subscription.criteria');
  const params = new URLSearchParams(query);
  const seen = new Set<string>();
  let patient: string | undefined;
  let identifier: SubscriptionCriteria['identifier'];
  for (const [name, value] of params) {
    if (!PARAMETERS.includes(name)) invalid(`criteria parameter ${name} is not supported (only patient and identifier)`, 'Subscription.criteria');
    if (seen.has(name)) invalid(`criteria parameter ${name} is given twice`, 'Subscription.criteria');
    if (value === '' || value.includes(',')) invalid(`criteria parameter ${name} needs exactly one value`, 'Subscription.criteria');
    seen.add(name);
    if (name === 'patient') patient = value.replace(/^Patient\//, '');
    else {
      const bar = value.indexOf('|');
      identifier = bar < 0 ? { value } : { system: value.slice(0, bar), value: value.slice(bar + 1) };
      if (identifier.value === '') invalid('criteria parameter identifier needs a value', 'Subscription.criteria');
    }
  }
  return { text, ...(patient !== undefined ? { patient } : {}), ...(identifier ? { identifier } : {}) };
}

/**
 * Reads a Subscription (FHIR R4 8.21, JSON) that a client creates: status requested (R4 8.21.3.1: the
 * client sets it, the server decides the rest), criteria this server can evaluate, and a rest-hook
 * channel with an http(s) endpoint, payload application/fhir+json or none, and headers.
 */
export function readSubscription(body: unknown): SubscriptionRequest {
  if (!isObject(body) || body['resourceType'] !== 'Subscription') invalid('the body is not a Subscription', 'Subscription');
  if (body['status'] !== 'requested') invalid(`status must be requested (it is ${JSON.stringify(body['status'])}); the server sets the rest`, 'Subscription.status');
  if (typeof body['reason'] !== 'string' || body['reason'].trim() === '') invalid('reason is required (R4 Subscription.reason, 1..1)', 'Subscription.reason');
  if (typeof body['criteria'] !== 'string') invalid('criteria is required', 'Subscription.criteria');
  const criteria = readCriteria(body['criteria']);
  const end = body['end'];
  if (end !== undefined && (typeof end !== 'string' || !INSTANT.test(end))) invalid('end must be an instant', 'Subscription.end');
  const channel = body['channel'];
  if (!isObject(channel)) invalid('channel is required', 'Subscription.channel');
  if (channel['type'] !== 'rest-hook') invalid(`channel.type ${JSON.stringify(channel['type'])} is not supported (only rest-hook)`, 'Subscription.channel.type');
  const endpoint = channel['endpoint'];
  let url: URL | undefined;
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) invalid('channel.endpoint must be an http or https URL', 'Subscription.channel.endpoint');
  const payload = channel['payload'];
  if (payload !== undefined && payload !== FHIR_JSON_PAYLOAD) invalid(`channel.payload ${JSON.stringify(payload)} is not supported (only ${FHIR_JSON_PAYLOAD}, or none)`, 'Subscription.channel.payload');
  const headers = channel['header'] ?? [];
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || !HEADER.test(h))) invalid('channel.header must be a list of "Name: value" lines', 'Subscription.channel.header');
  return { criteria, reason: body['reason'], endpoint: endpoint as string, payload: payload === undefined ? '' : FHIR_JSON_PAYLOAD, headers: headers as string[], ...(end !== undefined ? { end: end as string } : {}) };
}

/** The Subscription resource of a stored subscription. */
export function subscriptionResource(subscription: StoredSubscription): Subscription {
  return {
    resourceType: 'Subscription',
    id: subscription.id,
    status: subscription.status,
    ...(subscription.end !== undefined ? { end: subscription.end } : {}),
    reason: subscription.reason,
    criteria: subscription.criteria.text,
    ...(subscription.error !== undefined ? { error: subscription.error } : {}),
    channel: {
      type: 'rest-hook',
      endpoint: subscription.endpoint,
      ...(subscription.payload ? { payload: subscription.payload } : {}),
      ...(subscription.headers.length > 0 ? { header: [...subscription.headers] } : {}),
    },
  };
}

/** Whether a study that became available is one the criteria select (and the subscription has not ended). */
export function subscriptionMatches(subscription: StoredSubscription, study: ImagingStudy, now: Date): boolean {
  if (subscription.end !== undefined && Date.parse(subscription.end) <= now.getTime()) return false;
  const { patient, identifier } = subscription.criteria;
  if (patient !== undefined && study.subject?.reference !== `Patient/${patient}`) return false;
  if (identifier) {
    const { system, value } = identifier;
    // `|value`: an identifier without a system; `value`: any system (R4 3.1.1.5.6).
    const hit = (study.identifier ?? []).some((i) => i.value === value && (system === undefined || (system === '' ? i.system === undefined : i.system === system)));
    if (!hit) return false;
  }
  return true;
}
