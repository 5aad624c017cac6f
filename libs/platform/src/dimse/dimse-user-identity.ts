import { Inject, Injectable, Optional } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import type { AssociateRequest } from '@tessera/dicom';
import { verifyUserIdentity, type EmbeddedIssuer, type TokenVerifier, type UserIdentityOutcome, type UserIdentityVerifiers } from '@tessera/identity';
import type { Logger } from '@tessera/telemetry';
import { DimseAudit } from '../audit/dimse-audit';
import { CONFIG, EMBEDDED_ISSUER, LOGGER, TOKEN_VERIFIER } from '../tokens';

/**
 * User Identity Negotiation at the DIMSE edge (PS3.7 D.3.3.7, issue 6): runs the check with the
 * process's token verifier (the one HTTP uses) and, when the embedded provider runs, its development
 * accounts; logs what came of it and records every check in the audit trail.
 */
@Injectable()
export class DimseUserIdentity {
  private readonly logger: Logger;
  private readonly verifiers: UserIdentityVerifiers;

  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(TOKEN_VERIFIER) tokens: TokenVerifier,
    private readonly audit: DimseAudit,
    @Optional() @Inject(EMBEDDED_ISSUER) issuer?: EmbeddedIssuer,
  ) {
    this.logger = logger.child({ component: 'dimse' });
    this.verifiers = { tokens, ...(issuer ? { passwords: { issuer: issuer.settings.issuer, users: issuer.accounts.users } } : {}) };
  }

  /** The policy in force, for the listener's start-up line. */
  get policy(): TesseraConfig['dimse']['userIdentity'] {
    return this.config.dimse.userIdentity;
  }

  /** Checks the identity an A-ASSOCIATE-RQ offers (or its absence) for an association to `tenant`. */
  async check(request: AssociateRequest, tenant: string, remoteAddress: string): Promise<UserIdentityOutcome> {
    const outcome = await verifyUserIdentity(request.userIdentity, tenant, this.config.dimse.userIdentity, this.verifiers);
    const context = { calling: request.callingAETitle, called: request.calledAETitle, remote: remoteAddress, tenant };
    switch (outcome.kind) {
      case 'unchecked':
        if (outcome.note) this.logger.info('user identity not checked', { ...context, reason: outcome.note });
        return outcome;
      case 'accepted':
        this.logger.info('user identity verified', { ...context, user: outcome.user.name, issuer: outcome.user.issuer });
        break;
      case 'refused':
        // A username and passcode under an external issuer is an operator's question, not only a peer's mistake.
        if (outcome.refusal === 'passwords-unavailable') this.logger.warn('user identity refused: username and passcode cannot be checked', { ...context, user: outcome.who, reason: outcome.explanation });
        else this.logger.warn('user identity refused', { ...context, user: outcome.who, refusal: outcome.refusal, reason: outcome.explanation });
        break;
    }
    this.audit.authenticated({ callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle, remoteAddress }, tenant, outcome);
    return outcome;
  }
}
