// The parts of FHIR R4 (4.0.1) resources that Tessera reads and writes, as plain data.

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}
export interface Identifier {
  use?: string;
  type?: CodeableConcept;
  system?: string;
  value?: string;
}
export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}
export interface HumanName {
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
}
export interface Meta {
  lastUpdated?: string;
}

/** Any resource: its type and logical id. */
export interface Resource {
  resourceType: string;
  id?: string;
  meta?: Meta;
}

export interface Patient extends Resource {
  resourceType: 'Patient';
  identifier?: Identifier[];
  active?: boolean;
  name?: HumanName[];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: string;
  link?: { other: Reference; type: 'replaced-by' | 'replaces' | 'refer' | 'seealso' }[];
}

export interface ImagingStudyInstance {
  uid: string;
  sopClass: Coding;
  number?: number;
}
export interface ImagingStudySeries {
  uid: string;
  number?: number;
  modality: Coding;
  description?: string;
  numberOfInstances?: number;
  endpoint?: Reference[];
  bodySite?: Coding;
  started?: string;
  instance?: ImagingStudyInstance[];
}
export interface ImagingStudy extends Resource {
  resourceType: 'ImagingStudy';
  identifier?: Identifier[];
  status: 'registered' | 'available' | 'cancelled' | 'entered-in-error' | 'unknown';
  modality?: Coding[];
  subject: Reference;
  started?: string;
  referrer?: Reference;
  endpoint?: Reference[];
  numberOfSeries?: number;
  numberOfInstances?: number;
  description?: string;
  series?: ImagingStudySeries[];
}

export interface Endpoint extends Resource {
  resourceType: 'Endpoint';
  status: 'active' | 'suspended' | 'error' | 'off' | 'entered-in-error' | 'test';
  connectionType: Coding;
  name?: string;
  payloadType: CodeableConcept[];
  payloadMimeType?: string[];
  address: string;
}

export interface ServiceRequest extends Resource {
  resourceType: 'ServiceRequest';
  identifier?: Identifier[];
  status: string;
  intent: string;
  category?: CodeableConcept[];
  code?: CodeableConcept;
  orderDetail?: CodeableConcept[];
  subject: Reference;
  occurrenceDateTime?: string;
  occurrencePeriod?: { start?: string; end?: string };
  requester?: Reference;
  performer?: Reference[];
}

export interface Subscription extends Resource {
  resourceType: 'Subscription';
  status: 'requested' | 'active' | 'error' | 'off';
  end?: string;
  reason: string;
  criteria: string;
  error?: string;
  channel: { type: 'rest-hook' | 'websocket' | 'email' | 'sms' | 'message'; endpoint?: string; payload?: string; header?: string[] };
}

export interface OperationOutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics?: string;
  expression?: string[];
}
export interface OperationOutcome extends Resource {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

export interface BundleLink {
  relation: string;
  url: string;
}
export interface Bundle<T extends Resource = Resource> extends Resource {
  resourceType: 'Bundle';
  type: 'searchset';
  total?: number;
  link: BundleLink[];
  entry?: { fullUrl: string; resource: T; search: { mode: 'match' | 'include' | 'outcome' } }[];
}
