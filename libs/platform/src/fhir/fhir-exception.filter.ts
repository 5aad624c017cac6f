import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@tessera/telemetry';
import type { FastifyReply } from 'fastify';
import { LOGGER } from '../tokens';
import { sendOutcome } from './fhir-http';

// FHIR R4 IssueType of the refusals that reach a FHIR route from outside it (the access guard, Nest).
const ISSUE_TYPES: Readonly<Record<number, string>> = { 401: 'login', 403: 'forbidden', 404: 'not-found', 503: 'transient' };

/**
 * Every error of a FHIR route as an OperationOutcome (FHIR R4 3.1.0.4): the access guard's 401, 403
 * and 503 keep their status, message and WWW-Authenticate challenge; anything unexpected is a 500
 * that says nothing of its cause, which is logged.
 */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const message = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : error.message;
      return sendOutcome(reply, status, ISSUE_TYPES[status] ?? (status >= 500 ? 'exception' : 'processing'), message);
    }
    this.logger.error('FHIR request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return sendOutcome(reply, 500, 'exception', 'The server could not complete the request; its log says why');
  }
}
