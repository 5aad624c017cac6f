/**
 * Generates docs/asyncapi.yaml (AsyncAPI 3.0) from the event contracts in libs/contracts/src: one
 * channel per topic of `Topics`, one message per event of `ALL_EVENTS`, each with its JSON Schema
 * (zod 4's z.toJSONSchema) and its Kafka key. The document is published for consumers outside
 * Tessera; docs/events.md explains it in prose.
 *
 *   node scripts/run-ts.js libs/contracts/tools/generate-asyncapi.ts            (re)writes the file
 *   node scripts/run-ts.js libs/contracts/tools/generate-asyncapi.ts --check    fails if it is stale
 *
 * libs/contracts/src/asyncapi.spec.ts fails when the committed file differs from what this produces,
 * so a contract change without a regenerated document does not pass CI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ALL_EVENTS, DeadLetterHeaders, EnvelopeSchema, EventHeaders, TenantIdSchema, Topics, type EventDefinition, type TopicName } from '../src/index';

/** Where the generated document lives, relative to the repository root. */
export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';

// Bindings of https://github.com/asyncapi/bindings/tree/master/kafka.
const KAFKA_BINDING_VERSION = '0.5.0';
// The payload and header schemas are JSON Schema draft-07 exactly as zod emits them.
const SCHEMA_FORMAT = 'application/schema+json;version=draft-07';

// What each header a dead-lettered message gains means; keyed by DeadLetterHeaders so none is left out.
export const DEAD_LETTER_HEADER_NAMES = {
  [DeadLetterHeaders.Topic]: 'The topic the message was consumed from.',
  [DeadLetterHeaders.Partition]: 'Its partition there (decimal).',
  [DeadLetterHeaders.Offset]: 'Its offset there (decimal).',
  [DeadLetterHeaders.Group]: 'The consumer group that gave up on it.',
  [DeadLetterHeaders.Error]: 'The last error, at most 1000 characters.',
  [DeadLetterHeaders.Attempts]: 'How many attempts were made (decimal).',
} as const satisfies Record<(typeof DeadLetterHeaders)[keyof typeof DeadLetterHeaders], string>;

// What each topic carries. Typed by topic name, so a new topic without a description fails typecheck.
const TOPIC_DOCS: Record<TopicName, { readonly title: string; readonly description: string }> = {
  [Topics.Instances]: {
    title: 'Instances',
    description:
      'Facts about stored instances. Every message is keyed "{tenant}/{StudyInstanceUID}", so all the events of one study ' +
      'are in one partition and are consumed in the order they were published. The event type (and its version) is in the envelope\'s ' +
      '`type` and in the `tessera-event-type` header; several types and versions share this topic.',
  },
  [Topics.ProcedureSteps]: {
    title: 'Procedure steps',
    description:
      'Modality Performed Procedure Steps (MPPS, DICOM PS3.4 F.7) as modalities report them: one event per accepted N-CREATE or N-SET, ' +
      'its type naming the status the step is in afterwards, its data the whole step with a revision that grows by one per change. ' +
      'Keyed "{tenant}/{StudyInstanceUID}" (the first scheduled step\'s study), so the events of one step are consumed in the order they were published.',
  },
  [Topics.Patients]: {
    title: 'Patients',
    description:
      'Patients as HL7 ADT messages change them: created or updated (A01, A04, A08, A31), given another identifier (A47), merged (A40). ' +
      'Keyed "{tenant}/{IssuerOfPatientID}/{PatientID}" (a merge by its survivor), so the events of one patient are consumed in the order they were published.',
  },
  [Topics.Studies]: {
    title: 'Studies',
    description:
      'What happens to a study as a whole: it became stable (no new instance for STUDY_STABLE_AFTER_S), with the order it was matched to by Accession Number. ' +
      'Keyed "{tenant}/{StudyInstanceUID}", like the instances of the study.',
  },
  [Topics.Audit]: {
    title: 'Audit',
    description:
      'Audit messages (DICOM PS3.15 A.5, IHE ATNA) as they are recorded in a tenant\'s hash-chained trail, the message XML included, for security monitoring. ' +
      'They name patients: only consumers allowed to read the audit trail should read this topic. Keyed "{tenant}/{chain}", so a chain\'s records are consumed in order.',
  },
  [Topics.Orders]: {
    title: 'Orders',
    description:
      'Imaging orders as HL7 ORM^O01 and OMI^O23 messages or FHIR ServiceRequests place, change and cancel them, each with its scheduled procedure step on the modality worklist. ' +
      'Keyed "{tenant}/{AccessionNumber}".',
  },
  [Topics.Hl7]: {
    title: 'HL7 messages',
    description:
      'One event per HL7 v2 message received for a tenant and what became of it (applied, duplicate, refused with the reason). Never the message content. ' +
      'Keyed "{tenant}/{sending application}".',
  },
  [Topics.Fhir]: {
    title: 'FHIR resources',
    description:
      'One event per FHIR resource received for a tenant (created, updated) and what became of it (applied, refused with the reason). Never the resource content. ' +
      'Keyed "{tenant}/{resource type}".',
  },
  [Topics.Dimse]: {
    title: 'DIMSE',
    description:
      'Facts about DIMSE associations that operators and auditors must see, such as rejections. Keyed "{tenant}/{calling AE title}".',
  },
  [Topics.DeadLetter]: {
    title: 'Dead letters',
    description:
      'Messages that a consumer group gave up on: after its last retry, or at once when the message breaks its contract. ' +
      'Key and value are those of the original message; its headers are kept and the dead-letter-* headers are added.',
  },
};

/** A JSON Schema as zod emits it, without its $schema (the schemaFormat says which draft it is). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // io "input": objects stay open (no additionalProperties: false), because additive changes stay in
  // the same version and consumers must ignore fields they do not know.
  const out = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

// The key an event is published under, as a template: the definition's own key function applied to
// placeholders, e.g. "{tenant}/{studyInstanceUID}".
function keyTemplate(definition: EventDefinition<z.ZodType>): string {
  const placeholders = new Proxy({}, { get: (_target, property) => `{${String(property)}}` });
  return definition.key('{tenant}', placeholders as never);
}

function eventMessage(definition: EventDefinition<z.ZodType>): Record<string, unknown> {
  const envelope = EnvelopeSchema.extend({ type: z.literal(definition.type), data: definition.schema });
  const headers = z.object({
    [EventHeaders.Type]: z.literal(definition.type),
    [EventHeaders.Tenant]: TenantIdSchema,
    [EventHeaders.TraceParent]: z.string().optional(),
    [EventHeaders.TraceState]: z.string().optional(),
  });
  const key = keyTemplate(definition);
  return {
    name: definition.type,
    title: definition.type,
    summary: definition.summary,
    contentType: 'application/json',
    headers: { schemaFormat: SCHEMA_FORMAT, schema: jsonSchema(headers) },
    payload: { schemaFormat: SCHEMA_FORMAT, schema: jsonSchema(envelope) },
    bindings: {
      kafka: {
        key: { type: 'string', description: `"${key}". Events with the same key keep their order (one partition).` },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function deadLetterMessage(): Record<string, unknown> {
  return {
    name: 'dead-letter',
    title: 'Dead-lettered message',
    summary: 'A message a consumer group gave up on, with why and where it came from.',
    description: 'The value is the original message value, byte for byte (for Tessera events, an envelope of one of the event messages).',
    headers: {
      type: 'object',
      required: Object.keys(DEAD_LETTER_HEADER_NAMES),
      properties: Object.fromEntries(Object.entries(DEAD_LETTER_HEADER_NAMES).map(([name, description]) => [name, { type: 'string', description }])),
      additionalProperties: { type: 'string', description: 'The original message\'s headers, unchanged.' },
    },
    payload: { description: 'The original message value, unchanged.' },
    bindings: { kafka: { key: { type: 'string', description: 'The original message\'s key.' }, bindingVersion: KAFKA_BINDING_VERSION } },
  };
}

/** The AsyncAPI 3.0 document of every topic and event, as a plain object. */
export function buildAsyncApiDocument(version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const topics = Object.values(Topics);
  for (const event of ALL_EVENTS as readonly EventDefinition<z.ZodType>[]) {
    if (!topics.includes(event.topic as TopicName)) throw new Error(`${event.type} is published to ${event.topic}, which is not in Topics`);
    if (messages[event.type]) throw new Error(`${event.type} is defined twice in ALL_EVENTS`);
    messages[event.type] = eventMessage(event);
  }
  messages['dead-letter'] = deadLetterMessage();
  for (const topic of topics) {
    const docs = TOPIC_DOCS[topic];
    if (!docs) throw new Error(`Topic ${topic} has no description in generate-asyncapi.ts`);
    const ids = topic === Topics.DeadLetter ? ['dead-letter'] : (ALL_EVENTS as readonly EventDefinition<z.ZodType>[]).filter((e) => e.topic === topic).map((e) => e.type);
    channels[topic] = {
      address: topic,
      title: docs.title,
      description: docs.description,
      messages: Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
      bindings: { kafka: { topic, bindingVersion: KAFKA_BINDING_VERSION } },
    };
    operations[`publish.${topic}`] = {
      action: 'send',
      title: `Tessera publishes to ${topic}`,
      channel: { $ref: `#/channels/${topic}` },
      messages: ids.map((id) => ({ $ref: `#/channels/${topic}/messages/${id}` })),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tessera events',
      version,
      description: [
        'Every change Tessera records is published as an event on Kafka (or, in the all-in-one mode, on an in-process bus with the same semantics).',
        'The message value is a JSON envelope (id, type, tenant, occurredAt, source, correlationId, W3C trace context) whose `data` is the event.',
        '',
        'Delivery is at least once, through a transactional outbox: consumers must be idempotent (the envelope id identifies an event).',
        'Additive changes stay in the same version (consumers ignore fields they do not know); a breaking change adds a new type version (`.v2`) beside the old one on the same topic.',
        'Consumers accept the current and the previous version of each type and skip types they do not know.',
        '',
        'Generated from libs/contracts/src by libs/contracts/tools/generate-asyncapi.ts; docs/events.md is the catalogue in prose.',
      ].join('\n'),
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{bootstrap}',
        protocol: 'kafka',
        description: 'The Kafka cluster of a distributed deployment (BUS_URL=kafka://host:port[,host:port…]).',
        variables: { bootstrap: { default: 'kafka:9092', description: 'A bootstrap broker.' } },
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

const HEADER = `# Generated by libs/contracts/tools/generate-asyncapi.ts from libs/contracts/src. Do not edit by hand:
#   node scripts/run-ts.js libs/contracts/tools/generate-asyncapi.ts
`;

/** The repository root (this file is libs/contracts/tools/generate-asyncapi.ts). */
export function repositoryRoot(): string {
  return path.resolve(__dirname, '..', '..', '..');
}

/** The text of docs/asyncapi.yaml as the contracts define it now. */
export function generateAsyncApi(): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'package.json'), 'utf8')) as { version: string };
  return HEADER + stringify(buildAsyncApiDocument(version), { lineWidth: 0, aliasDuplicateObjects: false });
}

function main(args: readonly string[]): void {
  const target = path.join(repositoryRoot(), ASYNCAPI_PATH);
  const text = generateAsyncApi();
  if (args.includes('--check')) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${ASYNCAPI_PATH} is out of date; run: node scripts/run-ts.js libs/contracts/tools/generate-asyncapi.ts\n`);
      process.exit(1);
    }
    process.stdout.write(`${ASYNCAPI_PATH} is up to date\n`);
    return;
  }
  fs.writeFileSync(target, text);
  process.stdout.write(`wrote ${ASYNCAPI_PATH}\n`);
}

// Run as a script (scripts/run-ts.js sets argv[1] to this file), not when imported by the spec.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === __filename) main(process.argv.slice(2));
