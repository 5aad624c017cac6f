import { All, Controller, Inject, Optional, Req, Res } from '@nestjs/common';
import type { EmbeddedIssuer } from '@tessera/identity';
import { EMBEDDED_ISSUER, Public, sendError } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The embedded OpenID provider's endpoints (discovery, JWKS, token) under /oidc, in the all-in-one
 * process. They are public by nature: they are how a caller gets a token in the first place.
 */
@Public()
@Controller('oidc')
export class EmbeddedIssuerController {
  constructor(@Optional() @Inject(EMBEDDED_ISSUER) private readonly issuer?: EmbeddedIssuer) {}

  @All(['', '*'])
  async serve(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.issuer) return sendError(reply, 404, 'This server trusts an external OpenID provider (OIDC_ISSUER); it issues no tokens itself');
    // The provider answers on the raw Node request and response; its body has not been read.
    reply.hijack();
    this.issuer.handle(request.raw, reply.raw);
  }
}
