import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventBus, Subscription } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { EVENT_BUS } from '@tessera/platform';
import { QueueNotificationsUseCase } from './queue-notifications.use-case';

/** The hl7 role's consumer group for FHIR Subscriptions on the studies topic: stable studies become notifications. */
@Injectable()
export class NotificationsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  static readonly GROUP = 'tessera-fhir-subscriptions';
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly queue: QueueNotificationsUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: NotificationsConsumer.GROUP,
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
