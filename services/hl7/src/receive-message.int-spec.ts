import { parseMessage } from '@tessera/hl7';
import { TypeormHl7Store } from '@tessera/hl7-store';
import { silentLogger } from '@tessera/telemetry';
import { createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { NEW_WORKLIST_IDS } from '@tessera/worklist';
import { MllpMessageHandler } from './mllp/mllp-message-handler';
import { ReceiveMessageUseCase } from './receive-message.use-case';

const PEER = { connection: 'c1', remoteAddress: '127.0.0.1:40000' };
const msh = (type: string, control: string) => `MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20261122101500||${type}|${control}|P|2.5.1`;
const A01 = [msh('ADT^A01^ADT_A01', 'ADMIT-1'), 'EVN|A01', 'PID|1||PAT-1^^^HOSP||EVERYMAN^ADAM||19610615|M'].join('\r');
const A08 = [msh('ADT^A08^ADT_A01', 'UPDATE-1'), 'EVN|A08', 'PID|1||PAT-1^^^HOSP||EVERYMAN^ADAM^QUINCY'].join('\r');

/** MSA-1 and ERR-3.1 of an acknowledgement. */
function answer(ack: Buffer | undefined): [string, string] {
  const parsed = ack && parseMessage(ack);
  if (!parsed?.ok) throw new Error('no readable acknowledgement');
  const segments = parsed.message.segments;
  return [segments[1]?.value(1) ?? '', segments[2]?.value(3) ?? ''];
}

describe('Receiving HL7 on PostgreSQL: no acknowledgement before the commit', () => {
  let t: TestDatabase;
  let handler: MllpMessageHandler;
  const count = async (sql: string): Promise<number> => Number(((await t.db.dataSource.query(sql)) as { n: string }[])[0]?.n);
  const patientName = async (): Promise<unknown> => ((await t.db.dataSource.query("SELECT patient_name FROM patient WHERE patient_id = 'PAT-1'")) as { patient_name: string }[])[0]?.patient_name;

  beforeAll(async () => {
    t = await createPostgresTestDatabase();
    const receive = new ReceiveMessageUseCase(new TypeormHl7Store(t.db), () => undefined, { defaultTenant: 'default', receivingFacilities: {}, source: 'hl7@test', now: () => new Date(), ids: NEW_WORKLIST_IDS });
    handler = new MllpMessageHandler(receive, silentLogger, { now: () => new Date(), nextControlId: () => 'ACK1', maxMessageBytes: 1 << 20 });
  });
  afterAll(async () => t.drop());

  it('answers AE 207 and changes nothing when the commit fails, then applies the message once when it is sent again', async () => {
    expect(answer((await handler.message(Buffer.from(A01), PEER)).acknowledgement)).toEqual(['AA', '']);
    expect(await patientName()).toBe('EVERYMAN^ADAM');
    const events = await count('SELECT count(*) AS n FROM outbox_event');

    // The database refuses the commit itself: a deferred constraint trigger runs at COMMIT, after
    // every statement of the transaction succeeded.
    await t.db.dataSource.query(`
      CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$;
      CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON hl7_message DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit();
    `);
    expect(answer((await handler.message(Buffer.from(A08), PEER)).acknowledgement)).toEqual(['AE', '207']);
    expect(await patientName()).toBe('EVERYMAN^ADAM');
    expect(await count("SELECT count(*) AS n FROM hl7_message WHERE control_id = 'UPDATE-1'")).toBe(0);
    expect(await count('SELECT count(*) AS n FROM outbox_event')).toBe(events);

    // The backend dies in the middle of the transaction: the same.
    await t.db.dataSource.query('DROP TRIGGER refuse_commit ON hl7_message');
    await t.db.dataSource.query(`
      CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;
      CREATE TRIGGER die BEFORE INSERT ON hl7_message FOR EACH ROW EXECUTE FUNCTION die();
    `);
    expect(answer((await handler.message(Buffer.from(A08), PEER)).acknowledgement)).toEqual(['AE', '207']);
    await t.db.dataSource.query('DROP TRIGGER die ON hl7_message');
    expect(await patientName()).toBe('EVERYMAN^ADAM');
    expect(await count('SELECT count(*) AS n FROM outbox_event')).toBe(events);

    // Sent again once the database works: applied once, and a further copy changes nothing.
    expect(answer((await handler.message(Buffer.from(A08), PEER)).acknowledgement)).toEqual(['AA', '']);
    expect(await patientName()).toBe('EVERYMAN^ADAM^QUINCY');
    expect(answer((await handler.message(Buffer.from(A08), PEER)).acknowledgement)).toEqual(['AA', '']);
    expect(await count("SELECT count(*) AS n FROM hl7_message WHERE control_id = 'UPDATE-1'")).toBe(1);
    const types = (await t.db.dataSource.query('SELECT envelope->>\'type\' AS type, envelope->\'data\'->>\'outcome\' AS outcome FROM outbox_event ORDER BY position')) as { type: string; outcome: string | null }[];
    expect(types.slice(-3)).toEqual([
      { type: 'patient.updated.v1', outcome: null },
      { type: 'hl7.message.received.v1', outcome: 'applied' },
      { type: 'hl7.message.received.v1', outcome: 'duplicate' },
    ]);
  });

  it('applies one of two copies of a message processed at the same time, and the other as a duplicate', async () => {
    const a31 = [msh('ADT^A31^ADT_A05', 'RACE-1'), 'EVN|A31', 'PID|1||PAT-2^^^HOSP||RACING^PAIR'].join('\r');
    const acks = await Promise.all([handler.message(Buffer.from(a31), PEER), handler.message(Buffer.from(a31), PEER)]);
    expect(acks.map((a) => answer(a.acknowledgement))).toEqual([
      ['AA', ''],
      ['AA', ''],
    ]);
    const outcomes = (await t.db.dataSource.query("SELECT envelope->'data'->>'outcome' AS outcome FROM outbox_event WHERE envelope->'data'->>'controlId' = 'RACE-1' ORDER BY position")) as { outcome: string }[];
    expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'duplicate']);
  });
});
