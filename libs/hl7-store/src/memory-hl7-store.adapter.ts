import { levelOfTag, parseTagKey, stringValue, tagKey, Tags, withPatientAttributes, type DicomJsonDataset } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';
import { FINAL_STEP_STATUSES, scheduledStepOf, WorklistTags, type ScheduledStepStatus, type WorklistItem } from '@tessera/worklist';
import type { Hl7Store, Hl7Transaction, ImagingOrder, MessageKey, PatientIdentity, PatientMerge, PatientMergeRecord, ProcessedMessage, StoredPatient, UndoneMerge } from './hl7-store.port';

interface PatientState {
  identity: PatientIdentity;
  attributes: DicomJsonDataset;
  mergedInto?: string;
}

/** What the memory store holds; a transaction works on a copy and puts it in place when it succeeds. */
export interface MemoryHl7State {
  messages: Map<string, ProcessedMessage>;
  patients: Map<string, PatientState>;
  /** Studies by tenant and Study Instance UID: their patient, and their attributes (patient level and their own). */
  studies: Map<string, { tenant: string; studyInstanceUID: string; patient: string; attributes: DicomJsonDataset }>;
  merges: {
    tenant: string;
    prior: string;
    survivor: string;
    priorAttributes: DicomJsonDataset;
    moved: string[];
    movedOrders: string[];
    /** The patients merged into the prior one before, which followed it. */
    followers: string[];
    mergedAt: Date;
    undoneAt?: Date;
  }[];
  orders: Map<string, ImagingOrder>;
  worklist: Map<string, WorklistItem>;
  /** The outbox. */
  events: OutboxEntry[];
}

const key = (...parts: string[]): string => parts.join('\u0000');
const patientKey = (tenant: string, identity: PatientIdentity): string => key(tenant, identity.patientID, identity.issuerOfPatientID);

/** The in-memory twin of the HL7 store, for unit tests: transactions one at a time, all or nothing. */
export class MemoryHl7Store implements Hl7Store {
  state: MemoryHl7State = { messages: new Map(), patients: new Map(), studies: new Map(), merges: [], orders: new Map(), worklist: new Map(), events: [] };
  private queue: Promise<unknown> = Promise.resolve();

  transaction<T>(work: (tx: Hl7Transaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const copy = structuredClone(this.state);
      const result = await work(new MemoryHl7Transaction(copy));
      this.state = copy;
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Adds a study of a patient, as the index would on storing it (for tests). */
  addStudy(tenant: string, studyInstanceUID: string, patient: PatientIdentity, attributes: DicomJsonDataset): void {
    const pk = patientKey(tenant, patient);
    const patientAttributes = Object.fromEntries(Object.entries(attributes).filter(([k]) => levelOfTag(parseTagKey(k) ?? 0) === 'PATIENT'));
    if (!this.state.patients.has(pk)) this.state.patients.set(pk, { identity: patient, attributes: patientAttributes });
    this.state.studies.set(key(tenant, studyInstanceUID), { tenant, studyInstanceUID, patient: pk, attributes });
  }

  /** A study's attributes as the index now has them (for tests). */
  study(tenant: string, studyInstanceUID: string): DicomJsonDataset | undefined {
    return this.state.studies.get(key(tenant, studyInstanceUID))?.attributes;
  }
}

class MemoryHl7Transaction implements Hl7Transaction {
  constructor(private readonly s: MemoryHl7State) {}

  async claimMessage(k: MessageKey): Promise<ProcessedMessage | undefined> {
    return this.s.messages.get(key(k.tenant, k.sendingApplication, k.sendingFacility, k.controlId));
  }

  async recordMessage(message: ProcessedMessage): Promise<void> {
    const k = message.key;
    const id = key(k.tenant, k.sendingApplication, k.sendingFacility, k.controlId);
    if (this.s.messages.has(id)) throw new Error(`message ${k.controlId} is recorded already`);
    this.s.messages.set(id, structuredClone(message));
  }

  async appendEvents(events: readonly OutboxEntry[]): Promise<void> {
    this.s.events.push(...events);
  }

  async findPatient(tenant: string, identity: PatientIdentity): Promise<StoredPatient | undefined> {
    const patient = this.s.patients.get(patientKey(tenant, identity));
    if (!patient) return undefined;
    const pk = patientKey(tenant, identity);
    const studyInstanceUIDs = [...this.s.studies.values()].filter((st) => st.patient === pk).map((st) => st.studyInstanceUID).sort();
    const survivor = patient.mergedInto !== undefined ? this.s.patients.get(patient.mergedInto) : undefined;
    return structuredClone({ identity: patient.identity, attributes: patient.attributes, studyInstanceUIDs, ...(survivor ? { mergedInto: survivor.identity } : {}) });
  }

  async savePatient(tenant: string, identity: PatientIdentity, attributes: DicomJsonDataset): Promise<void> {
    const pk = patientKey(tenant, identity);
    this.s.patients.set(pk, { ...this.s.patients.get(pk), identity, attributes: structuredClone(attributes) });
    this.carry(pk, pk);
    this.carryToWorklist(tenant, identity, attributes);
  }

  async mergePatient(tenant: string, prior: PatientIdentity, survivor: PatientIdentity): Promise<PatientMerge> {
    const from = patientKey(tenant, prior);
    const to = patientKey(tenant, survivor);
    const priorState = this.s.patients.get(from);
    if (!priorState || !this.s.patients.has(to)) throw new Error('both patients of a merge must exist');
    const moved = this.carry(from, to);
    const followers = [...this.s.patients.entries()].filter(([, p]) => p.mergedInto === from).map(([k]) => k);
    for (const k of followers) (this.s.patients.get(k) as PatientState).mergedInto = to;
    priorState.mergedInto = to;
    this.carryToWorklist(tenant, prior, (this.s.patients.get(to) as PatientState).attributes);
    const movedOrders = this.carryToOrders(tenant, prior, survivor);
    this.s.merges.push({ tenant, prior: from, survivor: to, priorAttributes: structuredClone(priorState.attributes), moved, movedOrders, followers, mergedAt: new Date() });
    return { mergeId: String(this.s.merges.length), movedStudyInstanceUIDs: moved };
  }

  async listMerges(tenant: string): Promise<PatientMergeRecord[]> {
    return this.s.merges
      .map((m, i) => ({ m, id: String(i + 1) }))
      .filter(({ m }) => m.tenant === tenant)
      .reverse()
      .map(({ m, id }) => this.record(m, id));
  }

  async findMerge(tenant: string, mergeId: string): Promise<PatientMergeRecord | undefined> {
    const m = this.s.merges[Number(mergeId) - 1];
    return m && m.tenant === tenant ? this.record(m, mergeId) : undefined;
  }

  async undoMerge(tenant: string, mergeId: string, now: Date): Promise<UndoneMerge> {
    const m = this.s.merges[Number(mergeId) - 1];
    const priorState = m && this.s.patients.get(m.prior);
    if (!m || m.tenant !== tenant || m.undoneAt || !priorState || priorState.mergedInto !== m.survivor) throw new Error(`no merge ${mergeId} to undo in tenant ${tenant}`);
    delete priorState.mergedInto;
    for (const k of m.followers) {
      const follower = this.s.patients.get(k);
      if (follower?.mergedInto === m.survivor) follower.mergedInto = m.prior;
    }
    const restored: string[] = [];
    for (const study of this.s.studies.values()) {
      if (study.patient !== m.survivor || !m.moved.includes(study.studyInstanceUID)) continue;
      const own = Object.fromEntries(Object.entries(study.attributes).filter(([k]) => levelOfTag(parseTagKey(k) ?? 0) !== 'PATIENT'));
      study.patient = m.prior;
      study.attributes = { ...own, ...structuredClone(m.priorAttributes) };
      restored.push(study.studyInstanceUID);
    }
    const survivor = (this.s.patients.get(m.survivor) as PatientState).identity;
    const orders: string[] = [];
    for (const order of this.s.orders.values()) {
      const isSurvivors = order.patient.patientID === survivor.patientID && order.patient.issuerOfPatientID === survivor.issuerOfPatientID;
      if (order.tenant !== tenant || !m.movedOrders.includes(order.accessionNumber) || !isSurvivors) continue;
      (order as { patient: PatientIdentity }).patient = priorState.identity;
      orders.push(order.accessionNumber);
      const itemKey = key(tenant, order.studyInstanceUID, order.scheduledProcedureStepID);
      const item = this.s.worklist.get(itemKey);
      const status = item && (stringValue(scheduledStepOf(item.attributes), tagKey(WorklistTags.ScheduledProcedureStepStatus)) as ScheduledStepStatus);
      if (item && status && !FINAL_STEP_STATUSES.includes(status)) this.s.worklist.set(itemKey, { ...item, attributes: withPatientAttributes(item.attributes, structuredClone(m.priorAttributes)) });
    }
    m.undoneAt = now;
    return { restoredStudyInstanceUIDs: restored.sort(), restoredAccessionNumbers: orders.sort(), priorAttributes: structuredClone(m.priorAttributes) };
  }

  async changePatientIdentity(tenant: string, from: PatientIdentity, to: PatientIdentity, attributes: DicomJsonDataset): Promise<void> {
    const oldKey = patientKey(tenant, from);
    const newKey = patientKey(tenant, to);
    const patient = this.s.patients.get(oldKey);
    if (!patient) throw new Error(`patient ${from.patientID} does not exist`);
    this.s.patients.delete(oldKey);
    this.s.patients.set(newKey, { ...patient, identity: to, attributes: structuredClone(attributes) });
    for (const p of this.s.patients.values()) if (p.mergedInto === oldKey) p.mergedInto = newKey;
    for (const m of this.s.merges) {
      if (m.prior === oldKey) m.prior = newKey;
      if (m.survivor === oldKey) m.survivor = newKey;
      m.followers = m.followers.map((f) => (f === oldKey ? newKey : f));
    }
    this.carry(oldKey, newKey);
    this.carryToWorklist(tenant, from, attributes);
    this.carryToOrders(tenant, from, to);
  }

  async findOrder(tenant: string, accessionNumber: string): Promise<ImagingOrder | undefined> {
    const order = this.s.orders.get(key(tenant, accessionNumber));
    return order && structuredClone(order);
  }

  async saveOrder(order: ImagingOrder, item: WorklistItem): Promise<void> {
    this.s.orders.set(key(order.tenant, order.accessionNumber), structuredClone(order));
    this.s.worklist.set(key(item.tenant, item.studyInstanceUID, item.scheduledProcedureStepID), structuredClone(item));
  }

  async setOrderStatus(order: ImagingOrder): Promise<WorklistItem | undefined> {
    const stored = this.s.orders.get(key(order.tenant, order.accessionNumber));
    if (stored) this.s.orders.set(key(order.tenant, order.accessionNumber), { ...stored, status: order.status });
    const itemKey = key(order.tenant, order.studyInstanceUID, order.scheduledProcedureStepID);
    const item = this.s.worklist.get(itemKey);
    if (!item) return undefined;
    const attributes = structuredClone(item.attributes);
    scheduledStepOf(attributes)[tagKey(WorklistTags.ScheduledProcedureStepStatus)] = { vr: 'CS', Value: [order.status] };
    this.s.worklist.set(itemKey, { ...item, attributes });
    return structuredClone({ ...item, attributes });
  }

  // The studies of patient `from` go to patient `to` and take its patient-level attributes.
  private carry(from: string, to: string): string[] {
    const patient = this.s.patients.get(to) as PatientState;
    const moved: string[] = [];
    for (const study of this.s.studies.values()) {
      if (study.patient !== from) continue;
      const own = Object.fromEntries(Object.entries(study.attributes).filter(([k]) => levelOfTag(parseTagKey(k) ?? 0) !== 'PATIENT'));
      study.patient = to;
      study.attributes = { ...own, ...structuredClone(patient.attributes) };
      moved.push(study.studyInstanceUID);
    }
    return moved.sort();
  }

  // The worklist items of patient `of` not over yet take these patient attributes.
  private carryToWorklist(tenant: string, of: PatientIdentity, patient: DicomJsonDataset): void {
    for (const [k, item] of this.s.worklist) {
      const a = item.attributes;
      const status = stringValue(scheduledStepOf(a), tagKey(WorklistTags.ScheduledProcedureStepStatus)) as ScheduledStepStatus;
      const same = item.tenant === tenant && stringValue(a, tagKey(Tags.PatientID)) === of.patientID && (stringValue(a, tagKey(Tags.IssuerOfPatientID)) ?? '') === of.issuerOfPatientID;
      if (same && !FINAL_STEP_STATUSES.includes(status)) this.s.worklist.set(k, { ...item, attributes: withPatientAttributes(a, structuredClone(patient)) });
    }
  }

  private carryToOrders(tenant: string, from: PatientIdentity, to: PatientIdentity): string[] {
    const moved: string[] = [];
    for (const order of this.s.orders.values()) {
      if (order.tenant !== tenant || order.patient.patientID !== from.patientID || order.patient.issuerOfPatientID !== from.issuerOfPatientID) continue;
      (order as { patient: PatientIdentity }).patient = to;
      moved.push(order.accessionNumber);
    }
    return moved.sort();
  }

  private record(m: MemoryHl7State['merges'][number], mergeId: string): PatientMergeRecord {
    const identity = (k: string): PatientIdentity => (this.s.patients.get(k) as PatientState).identity;
    return structuredClone({
      mergeId,
      prior: identity(m.prior),
      survivor: identity(m.survivor),
      movedStudyInstanceUIDs: m.moved,
      movedAccessionNumbers: m.movedOrders,
      mergedAt: m.mergedAt,
      ...(m.undoneAt ? { undoneAt: m.undoneAt } : {}),
    });
  }
}
