import { MemoryAeRegistry } from '@tessera/ae-registry';
import { loadConfig } from '@tessera/config';
import { CommandField, DimseStatus, requestAssociation, TransferSyntaxUIDs, type DimseConnection, type RoleSelection } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import { tenantResolver } from '../platform.module';
import { DimseAudit } from '../audit/dimse-audit';
import { DimseListener } from './dimse-listener';
import { DimseServiceRegistry, type DimseService } from './dimse-service';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const GET = '1.2.840.10008.5.1.4.1.2.2.3';
const ELE = TransferSyntaxUIDs.ExplicitVRLittleEndian;

// A C-GET service that sends CT on the requester's association, and a storage service that receives it.
const getService: DimseService = {
  name: 'get',
  servesAbstractSyntax: (uid) => uid === GET,
  operationOf: () => 'GET',
  sendsOnRequesterAssociation: (uid) => uid === CT,
  chooseTransferSyntax: (_a, proposed) => proposed[0],
  handle: async () => ({ command: { commandField: CommandField.CGetRSP, status: DimseStatus.Success } }),
};
const storeService: DimseService = {
  name: 'store',
  servesAbstractSyntax: (uid) => uid === CT,
  operationOf: () => 'STORE',
  chooseTransferSyntax: (_a, proposed) => proposed[0],
  handle: async () => ({ command: { commandField: CommandField.CStoreRSP, status: DimseStatus.Success } }),
};

describe('DimseListener role selection (PS3.7 D.3.3.4)', () => {
  let listener: DimseListener;
  const aes = new MemoryAeRegistry();
  const open: DimseConnection[] = [];

  beforeAll(async () => {
    const config = loadConfig({ DIMSE_PORT: '0', DIMSE_UNKNOWN_CALLING_AE: 'reject' });
    const registry = new DimseServiceRegistry();
    registry.register(storeService);
    registry.register(getService);
    await aes.put({ tenant: 'default', aeTitle: 'VIEWER', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['GET', 'STORE'], moveDestinations: [] });
    await aes.put({ tenant: 'default', aeTitle: 'GETONLY', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['GET'], moveDestinations: [] });
    await aes.put({ tenant: 'default', aeTitle: 'FINDER', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['FIND', 'STORE'], moveDestinations: [] });
    listener = new DimseListener(config, silentLogger, tenantResolver(config), registry, new DimseAudit(config, silentLogger), aes);
    await listener.onApplicationBootstrap();
  });

  afterAll(async () => {
    for (const c of open) c.abort('test over');
    await listener.onModuleDestroy();
  });

  async function associate(callingAETitle: string, roles: RoleSelection[]): Promise<DimseConnection> {
    const connection = await requestAssociation({
      host: '127.0.0.1',
      port: listener.port,
      callingAETitle,
      calledAETitle: 'TESSERA',
      contexts: [
        { id: 1, abstractSyntax: GET, transferSyntaxes: [ELE] },
        { id: 3, abstractSyntax: CT, transferSyntaxes: [ELE] },
      ],
      roleSelections: roles,
      maxPduLength: 16384,
      artimTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      responseTimeoutMs: 5000,
    });
    open.push(connection);
    return connection;
  }

  it('accepts the SCP role for a SOP class a service sends on the requester association, keeping the SCU role where STORE is allowed', async () => {
    const connection = await associate('VIEWER', [{ sopClassUid: CT, scuRole: true, scpRole: true }]);
    expect(connection.info.roleSelections).toEqual([{ sopClassUid: CT, scuRole: true, scpRole: true }]);
    expect([...connection.contexts.values()].map((c) => c.abstractSyntax)).toEqual([GET, CT]);
  });

  it('takes the SCU role away from an AE that may get but not store, and refuses its C-STOREs', async () => {
    const connection = await associate('GETONLY', [{ sopClassUid: CT, scuRole: true, scpRole: true }]);
    expect(connection.info.roleSelections).toEqual([{ sopClassUid: CT, scuRole: false, scpRole: true }]);
    // The storage context is answered by the C-GET service, so it stands even without STORE.
    expect([...connection.contexts.values()].map((c) => c.abstractSyntax)).toEqual([GET, CT]);
    const statuses: (number | undefined)[] = [];
    for await (const r of connection.request(connection.contextFor(CT)!, { commandField: CommandField.CStoreRQ, affectedSOPClassUID: CT, affectedSOPInstanceUID: '1.2.3', priority: 0 }, Buffer.alloc(8))) statuses.push(r.command.status);
    expect(statuses).toEqual([DimseStatus.NotAuthorized]);
  });

  it('leaves the default roles for an AE that may not get, and rejects the GET context', async () => {
    const connection = await associate('FINDER', [{ sopClassUid: CT, scuRole: false, scpRole: true }]);
    expect(connection.info.roleSelections).toEqual([]);
    expect([...connection.contexts.values()].map((c) => c.abstractSyntax)).toEqual([CT]);
  });
});
