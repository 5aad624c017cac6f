import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ASYNCAPI_PATH, generateAsyncApi, repositoryRoot } from '../tools/generate-asyncapi';
import { ALL_EVENTS, Topics } from './index';

interface Doc {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: { messages: Record<string, { payload?: { schemaFormat?: string; schema?: { properties?: Record<string, unknown> } }; headers?: unknown }> };
}

const REGENERATE = 'node scripts/run-ts.js libs/contracts/tools/generate-asyncapi.ts';

describe('docs/asyncapi.yaml', () => {
  const file = path.join(repositoryRoot(), ASYNCAPI_PATH);
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const generated = generateAsyncApi();
  const doc = parse(committed) as Doc;

  it('is what the generator makes of the contracts now (else run the generator and commit the result)', () => {
    if (committed !== generated) throw new Error(`${ASYNCAPI_PATH} is out of date with libs/contracts/src; run: ${REGENERATE}`);
  });

  it('is an AsyncAPI 3.0 document', () => {
    expect(doc.asyncapi).toBe('3.0.0');
  });

  it('has a channel per topic, and nothing else', () => {
    expect(Object.keys(doc.channels).sort()).toEqual(Object.values(Topics).sort());
    for (const topic of Object.values(Topics)) expect(doc.channels[topic]?.address).toBe(topic);
  });

  it('has a message per event, on its topic, with the envelope and data schema', () => {
    for (const event of ALL_EVENTS) {
      const message = doc.components.messages[event.type];
      expect(message).toBeDefined();
      expect(message?.payload?.schemaFormat).toBe('application/schema+json;version=draft-07');
      const properties = message?.payload?.schema?.properties ?? {};
      for (const field of ['id', 'type', 'tenant', 'occurredAt', 'source', 'correlationId', 'data']) expect(properties).toHaveProperty(field);
      expect(properties.type).toEqual({ type: 'string', const: event.type });
      expect((properties.data as { properties?: object }).properties).toBeDefined();
      expect(message?.headers).toBeDefined();
      expect(doc.channels[event.topic]?.messages[event.type]).toEqual({ $ref: `#/components/messages/${event.type}` });
    }
  });

  it('has a send operation per topic that references its channel messages', () => {
    for (const topic of Object.values(Topics)) {
      const operation = Object.values(doc.operations).find((o) => o.channel.$ref === `#/channels/${topic}`);
      expect(operation?.action).toBe('send');
      const expected = Object.keys(doc.channels[topic]?.messages ?? {}).map((id) => ({ $ref: `#/channels/${topic}/messages/${id}` }));
      expect(operation?.messages).toEqual(expected);
    }
  });
});
