import { Inject, Injectable } from '@nestjs/common';
import type { EventBus } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { BusConsumer, EVENT_BUS } from '@tessera/platform';
import { QueueResultUseCase } from './queue-result.use-case';

/** The hl7 role's consumer group on the studies topic: stable studies become results for the RIS. */
@Injectable()
export class ResultsConsumer extends BusConsumer {
  static readonly GROUP = 'tessera-hl7-results';

  constructor(@Inject(EVENT_BUS) bus: EventBus, queue: QueueResultUseCase) {
    super(bus, {
      group: ResultsConsumer.GROUP,
      topics: [Topics.Studies],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await queue.handle(message);
      },
    });
  }
}
