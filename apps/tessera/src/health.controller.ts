import { Controller, Get, HttpException, Inject, Optional } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import type { Database } from '@tessera/database';
import { CONFIG, DATABASE, Public } from '@tessera/platform';

/** Liveness and readiness for orchestrators; no patient data. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Optional() @Inject(DATABASE) private readonly db?: Database,
  ) {}

  @Get('healthz')
  health(): { status: string } {
    return { status: 'ok' };
  }

  // Answered only once every module has bootstrapped (listeners bound, consumers subscribed); not
  // ready while the database the roles need does not answer.
  @Get('readyz')
  async ready(): Promise<{ status: string; roles: readonly string[] }> {
    if (this.db) {
      try {
        // A hung database or a full pool must not hang the probe as well.
        await Promise.race([this.db.dataSource.query('SELECT 1'), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref())]);
      } catch (err) {
        throw new HttpException({ status: 'not ready', reason: `database: ${(err as Error).message}` }, 503);
      }
    }
    return { status: 'ready', roles: this.config.roles };
  }
}
