import { Controller, Delete, Get, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import { acceptsJson, Audited, noteStudy, patientOf, publicHost, queryPairs, Requires, sendDicomJson, sendError, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import type { WorklistItem } from '@tessera/worklist';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { ReadWorklistItemUseCase } from './read-worklist-item.use-case';
import { RemoveWorklistItemUseCase } from './remove-worklist-item.use-case';
import { SaveWorklistItemUseCase, type SaveWorklistItemResult } from './save-worklist-item.use-case';
import { SearchWorklistItemsUseCase } from './search-worklist-items.use-case';

// One item is a few KiB; this bounds what a client can make the index hold.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Worklist items over REST, for the systems that schedule procedure steps until orders arrive over
 * HL7 or FHIR: the default tenant's at /worklist/items, another tenant's at /tenants/{id}/worklist/items.
 * Items are DICOM JSON (PS3.18 F.2) of the Modality Worklist information model (PS3.4 K.6.1.2.2).
 */
@Requires('worklist:read')
@Audited('procedure-record')
@Controller('worklist/items')
export class WorklistController {
  constructor(
    private readonly save: SaveWorklistItemUseCase,
    private readonly search: SearchWorklistItemsUseCase,
    private readonly read: ReadWorklistItemUseCase,
    private readonly removal: RemoveWorklistItemUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  @Post()
  @Requires('worklist:write')
  async create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = await readJsonBody(request, reply);
    if (body === NO_BODY) return;
    await this.answer(request, reply, await this.save.execute({ tenant: this.tenants.forHttp(request), body }));
  }

  @Get()
  @Audited('worklist-query')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsJson(request, reply))) return;
    const result = await this.search.execute({ tenant: this.tenants.forHttp(request), params: queryPairs(request) });
    if (result.kind === 'invalid') return sendError(reply, 400, result.message);
    await sendDicomJson(reply, 200, result.items.map((i) => i.attributes));
  }

  @Get(':study/:step')
  async get(@Param('study') study: string, @Param('step') step: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await acceptsJson(request, reply))) return;
    const result = await this.read.execute(this.tenants.forHttp(request), study, step);
    switch (result.kind) {
      case 'found':
        noteItem(request, result.item);
        return sendDicomJson(reply, 200, result.item.attributes);
      case 'not-found':
        return sendError(reply, 404, `No worklist item with Study Instance UID ${study} and Scheduled Procedure Step ID ${JSON.stringify(step)}`);
      case 'invalid':
        return sendError(reply, 400, result.message);
    }
  }

  @Put(':study/:step')
  @Requires('worklist:write')
  async replace(@Param('study') study: string, @Param('step') step: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = await readJsonBody(request, reply);
    if (body === NO_BODY) return;
    await this.answer(request, reply, await this.save.execute({ tenant: this.tenants.forHttp(request), body, address: { studyInstanceUID: study, scheduledProcedureStepID: step } }));
  }

  @Delete(':study/:step')
  @Requires('worklist:write')
  async remove(@Param('study') study: string, @Param('step') step: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const result = await this.removal.execute(this.tenants.forHttp(request), study, step);
    switch (result.kind) {
      case 'removed':
        noteItem(request, result.item);
        await reply.code(204).send();
        return;
      case 'not-found':
        return sendError(reply, 404, `No worklist item with Study Instance UID ${study} and Scheduled Procedure Step ID ${JSON.stringify(step)}`);
      case 'invalid':
        return sendError(reply, 400, result.message);
    }
  }

  private async answer(request: FastifyRequest, reply: FastifyReply, result: SaveWorklistItemResult): Promise<void> {
    switch (result.kind) {
      case 'created': {
        noteItem(request, result.item);
        const { studyInstanceUID, scheduledProcedureStepID } = result.item;
        const location = `${request.protocol}://${publicHost(request)}${this.tenants.pathPrefix(request)}/worklist/items/${studyInstanceUID}/${encodeURIComponent(scheduledProcedureStepID)}`;
        void reply.header('Location', location);
        return sendDicomJson(reply, 201, result.item.attributes);
      }
      case 'updated':
        noteItem(request, result.item);
        return sendDicomJson(reply, 200, result.item.attributes);
      case 'exists':
        return sendError(reply, 409, `A worklist item with Study Instance UID ${result.studyInstanceUID} and Scheduled Procedure Step ID ${JSON.stringify(result.scheduledProcedureStepID)} exists; PUT it at its address to replace it`);
      case 'invalid':
        return sendError(reply, 400, result.message);
    }
  }
}

/** Names the item's study and patient for the audit trail's Procedure Record message. */
function noteItem(request: FastifyRequest, item: WorklistItem): void {
  const patient = patientOf(item.attributes);
  noteStudy(request, { studyInstanceUID: item.studyInstanceUID, ...(patient ? { patient } : {}) });
}

const NO_BODY = Symbol('no body');

/**
 * The JSON body of a request, or NO_BODY once an error has been answered. Fastify parses
 * application/json itself; application/dicom+json reaches here unread (the launcher hands unknown
 * media types through for STOW-RS) and is read here, up to a limit.
 */
async function readJsonBody(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/dicom+json' && type !== 'application/json') {
    await sendError(reply, 415, `A worklist item is sent as application/dicom+json (or application/json), not ${type || 'without a Content-Type'}`);
    return NO_BODY;
  }
  if (!(request.body instanceof Readable)) return request.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      await sendError(reply, 413, `A worklist item may take at most ${MAX_BODY_BYTES} bytes`);
      return NO_BODY;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    await sendError(reply, 400, `The body is not JSON: ${(err as Error).message}`);
    return NO_BODY;
  }
}
