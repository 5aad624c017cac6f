import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventBus, Subscription } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { EVENT_BUS } from '@tessera/platform';
import { FollowProcedureStepUseCase } from './follow-procedure-step.use-case';

/** The worklist's consumer group on the procedure-steps topic (MPPS). */
@Injectable()
export class WorklistConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  static readonly GROUP = 'tessera-worklist';
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly useCase: FollowProcedureStepUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: WorklistConsumer.GROUP,
      topics: [Topics.ProcedureSteps],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await this.useCase.handle(message);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
