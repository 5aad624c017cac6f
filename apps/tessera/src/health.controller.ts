import { Controller, Get, Inject } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CONFIG } from '@tessera/platform';

/** Liveness and readiness for orchestrators; no patient data. */
@Controller()
export class HealthController {
  constructor(@Inject(CONFIG) private readonly config: TesseraConfig) {}

  @Get('healthz')
  health(): { status: string } {
    return { status: 'ok' };
  }

  // Nest answers only once every module has bootstrapped: listeners bound, consumers subscribed.
  @Get('readyz')
  ready(): { status: string; roles: readonly string[] } {
    return { status: 'ready', roles: this.config.roles };
  }
}
