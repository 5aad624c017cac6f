import { Inject, Injectable } from '@nestjs/common';
import type { ApplicationEntity } from '@tessera/ae-registry';
import type { TesseraConfig } from '@tessera/config';
import { requestAssociation, type DimseConnection, type ProposedPresentationContext, type RoleSelection } from '@tessera/dicom';
import { CONFIG } from '../tokens';

/**
 * Associations Tessera opens to registered AEs (C-MOVE destinations, storage commitment reports,
 * routing): with this process's PDU size and timeouts, as the AE title the peer knows Tessera by.
 */
@Injectable()
export class DimseOutbound {
  constructor(@Inject(CONFIG) private readonly config: TesseraConfig) {}

  async associate(destination: ApplicationEntity, callingAETitle: string, contexts: readonly ProposedPresentationContext[], roleSelections: readonly RoleSelection[] = []): Promise<DimseConnection> {
    if (destination.tls) throw new Error(`${destination.aeTitle} needs TLS, which outbound associations do not offer yet`);
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
    });
  }
}
