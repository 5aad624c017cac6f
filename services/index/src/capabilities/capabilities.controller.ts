import { Controller, Inject, Options, Req, Res } from '@nestjs/common';
import { parseAccept, rangeCovers } from '@tessera/multipart';
import { dicomwebBase, Requires, sendError, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { allowedMethods, capabilitiesJson, capabilitiesWadl, resourceAt } from './dicomweb-capabilities';

const WADL = 'application/vnd.sun.wadl+xml';

/**
 * The capabilities transaction (PS3.18 8.9): OPTIONS on the service root or any resource under it
 * answers what the service supports, as WADL by default or JSON when asked, with the resource's
 * methods in Allow. It names no patient but describes the service, so it asks for a token like the
 * rest of DICOMweb (docs/security.md). A CORS preflight never gets here: the HTTP edge answers it
 * (libs/platform http-edges.ts).
 */
@Requires('studies:read')
@Controller('dicomweb')
export class CapabilitiesController {
  constructor(@Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver) {}

  @Options(['', '*'])
  async capabilities(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const path = req.url.split('?')[0]?.replace(/^.*?\/dicomweb/, '') ?? '';
    const resource = resourceAt(decodeURIComponent(path));
    if (!resource) return sendError(reply, 404, `${path} is not a resource of this DICOMweb service`);
    void reply.header('Allow', allowedMethods(resource).join(', '));
    const base = dicomwebBase(req, this.tenants);
    for (const range of parseAccept(req.headers.accept)) {
      if (rangeCovers(range, WADL) || range.type === '*/*' || range.type === 'application/*') {
        await reply.code(200).header('content-type', WADL).send(capabilitiesWadl(base));
        return;
      }
      if (rangeCovers(range, 'application/json') || rangeCovers(range, 'application/dicom+json')) {
        await reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(capabilitiesJson(base))));
        return;
      }
    }
    return sendError(reply, 406, `The capabilities are available as ${WADL} (the default) or application/json; the Accept header allows neither: ${String(req.headers.accept)}`);
  }
}
