import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventBus, Subscription } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { EVENT_BUS } from '@tessera/platform';
import { ForgetDeletedInstancesUseCase } from './deletion/forget-deleted-instances.use-case';
import { IndexInstanceUseCase } from './index-instance.use-case';

/** The index role's consumer group on the instances topic. */
@Injectable()
export class IndexConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  static readonly GROUP = 'tessera-index';
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly useCase: IndexInstanceUseCase,
    private readonly forget: ForgetDeletedInstancesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      group: IndexConsumer.GROUP,
      topics: [Topics.Instances],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await this.useCase.handle(message);
        await this.forget.handle([message]);
      },
      // Events waiting in a partition (a burst of ingest, or a backlog after an outage) are indexed
      // together, one transaction per batch.
      batchHandler: async (messages) => {
        await this.useCase.handleMany(messages);
        // After the batch's instances are indexed: a deletion in it then finds those it must forget.
        await this.forget.handle(messages);
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
