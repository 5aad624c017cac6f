import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@tessera/telemetry';

/** Routes Nest's own log lines into Tessera's structured logger. */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { nest: context } : {});
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error(String(message), { ...(context ? { nest: context } : {}), ...(trace ? { trace } : {}) });
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn(String(message), context ? { nest: context } : {});
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { nest: context } : {});
  }
  verbose(message: unknown, context?: string): void {
    this.logger.debug(String(message), context ? { nest: context } : {});
  }
}
