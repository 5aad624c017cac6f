import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventBus, Subscription } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { EVENT_BUS } from '@tessera/platform';
import { QueueResultUseCase } from './queue-result.use-case';

/** The hl7 role's consumer group on the studies topic: stable studies become results for the RIS. */
@Injectable()
export class ResultsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  static readonly GROUP = 'tessera-hl7-results';
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly queue: QueueResultUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: ResultsConsumer.GROUP,
      topics: [Topics.Studies],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await this.queue.handle(message);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
