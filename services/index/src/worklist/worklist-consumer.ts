import { Inject, Injectable } from '@nestjs/common';
import type { EventBus } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { BusConsumer, EVENT_BUS } from '@tessera/platform';
import { FollowProcedureStepUseCase } from './follow-procedure-step.use-case';

/** The worklist's consumer group on the procedure-steps topic (MPPS). */
@Injectable()
export class WorklistConsumer extends BusConsumer {
  static readonly GROUP = 'tessera-worklist';

  constructor(@Inject(EVENT_BUS) bus: EventBus, useCase: FollowProcedureStepUseCase) {
    super(bus, {
      group: WorklistConsumer.GROUP,
      topics: [Topics.ProcedureSteps],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await useCase.handle(message);
      },
    });
  }
}
