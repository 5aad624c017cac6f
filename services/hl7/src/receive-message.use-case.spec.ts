import { parseMessage, type Hl7Message } from '@tessera/hl7';
import { Hl7Failure } from './hl7-failure';
import { ReceiveMessageUseCase } from './receive-message.use-case';

const message = (msh: string): Hl7Message => {
  const result = parseMessage(Buffer.from(`${msh}\rPID|1||P1`));
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
};
const msh = (fields: { type?: string; control?: string; processing?: string; version?: string; facility?: string } = {}): string =>
  `MSH|^~\\&|RIS|HOSP|TESSERA|${fields.facility ?? 'RAD'}|20260101||${fields.type ?? 'ADT^A01^ADT_A01'}|${fields.control ?? 'C1'}|${fields.processing ?? 'P'}|${fields.version ?? '2.5.1'}`;

describe('ReceiveMessageUseCase', () => {
  const single = new ReceiveMessageUseCase({ defaultTenant: 'default', receivingFacilities: {} });

  it('refuses every well-formed message as an unsupported message type, for the default tenant, storing nothing', async () => {
    for (const [type, version, shown] of [
      ['ADT^A01^ADT_A01', '2.5.1', 'ADT^A01'],
      ['ORM^O01', '2.3', 'ORM^O01'],
      ['ORU', '2.4', 'ORU'],
    ]) {
      expect(await single.execute(message(msh({ type, version })))).toEqual({
        outcome: 'refused',
        failure: Hl7Failure.UnsupportedMessageType,
        field: 9,
        message: `message type ${shown} is not supported: this receiver accepts no message types yet`,
        tenant: 'default',
      });
    }
  });

  it('refuses an empty MSH-9, MSH-10, MSH-11 or MSH-12 first, naming the field', async () => {
    expect(await single.execute(message(msh({ type: '' })))).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, field: 9, message: 'MSH-9 (message type) is empty; it is required' });
    expect(await single.execute(message(msh({ control: '', version: '2.7' })))).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, field: 10 });
    expect(await single.execute(message(msh({ processing: '' })))).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, field: 11 });
    expect(await single.execute(message(msh({ version: '' })))).toMatchObject({ failure: Hl7Failure.RequiredFieldMissing, field: 12 });
  });

  it('refuses versions other than 2.3 to 2.5.1', async () => {
    for (const version of ['2.2', '2.6', '2.7', '3.0']) {
      expect(await single.execute(message(msh({ version })))).toMatchObject({ failure: Hl7Failure.UnsupportedVersion, field: 12, message: `HL7 version ${version} is not supported; this receiver reads 2.3, 2.3.1, 2.4, 2.5, 2.5.1` });
    }
    for (const version of ['2.3', '2.3.1', '2.4', '2.5', '2.5.1']) expect(await single.execute(message(msh({ version })))).toMatchObject({ failure: Hl7Failure.UnsupportedMessageType });
  });

  it('refuses debugging and training messages (MSH-11 other than P)', async () => {
    for (const processing of ['T', 'D', 'X']) expect(await single.execute(message(msh({ processing })))).toMatchObject({ failure: Hl7Failure.UnsupportedProcessingId, field: 11 });
    expect(await single.execute(message(msh({ processing: 'P^T' })))).toMatchObject({ failure: Hl7Failure.UnsupportedMessageType });
  });

  it('finds the tenant from the receiving facility (MSH-6) when facilities are configured, and refuses others', async () => {
    const network = new ReceiveMessageUseCase({ defaultTenant: 'default', receivingFacilities: { NORTH: 'north', SOUTH: 'default' } });
    expect(await network.execute(message(msh({ facility: 'NORTH^1.2.3^ISO' })))).toMatchObject({ failure: Hl7Failure.UnsupportedMessageType, tenant: 'north' });
    expect(await network.execute(message(msh({ facility: 'SOUTH' })))).toMatchObject({ tenant: 'default' });
    expect(await network.execute(message(msh({ facility: 'WEST' })))).toEqual({ outcome: 'refused', failure: Hl7Failure.UnknownReceivingFacility, field: 6, message: 'receiving facility WEST is not served by this receiver' });
    expect(await network.execute(message(msh({ facility: '' })))).toMatchObject({ failure: Hl7Failure.UnknownReceivingFacility, message: 'receiving facility (empty) is not served by this receiver' });
  });
});
