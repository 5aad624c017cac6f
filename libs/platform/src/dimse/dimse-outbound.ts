import { Inject, Injectable } from '@nestjs/common';
import type { ApplicationEntity } from '@tessera/ae-registry';
import type { TesseraConfig } from '@tessera/config';
import { requestAssociation, type DimseConnection, type ProposedPresentationContext, type RequestorOptions, type RoleSelection } from '@tessera/dicom';
import { CONFIG } from '../tokens';

/**
 * Associations Tessera opens to registered AEs (C-MOVE destinations, storage commitment reports,
 * routing): with this process's PDU size and timeouts, as the AE title the peer knows Tessera by,
 * and over TLS to an AE registered with `tls` (PS3.15 B.9): the peer's certificate is verified
 * against DIMSE_TLS_CA (else the system CAs) and must name its host; Tessera's certificate, when it
 * has one, answers a peer that asks for a client certificate.
 */
@Injectable()
export class DimseOutbound {
  private readonly tls: NonNullable<RequestorOptions['tls']>;

  constructor(@Inject(CONFIG) private readonly config: TesseraConfig) {
    const { certificate, ca } = config.dimse.tls;
    this.tls = {
      ...(ca !== undefined ? { ca } : {}),
      ...(certificate ? { cert: certificate.chain, key: certificate.key.export({ type: 'pkcs8', format: 'pem' }) } : {}),
    };
  }

  async associate(destination: ApplicationEntity, callingAETitle: string, contexts: readonly ProposedPresentationContext[], roleSelections: readonly RoleSelection[] = []): Promise<DimseConnection> {
    const { dimse } = this.config;
    return requestAssociation({
      host: destination.host,
      port: destination.port,
      callingAETitle,
      calledAETitle: destination.aeTitle,
      contexts,
      roleSelections,
      maxPduLength: dimse.maxPduLength,
      artimTimeoutMs: dimse.artimTimeoutMs,
      idleTimeoutMs: dimse.idleTimeoutMs,
      responseTimeoutMs: dimse.responseTimeoutMs,
      ...(destination.tls ? { tls: this.tls } : {}),
    });
  }
}
