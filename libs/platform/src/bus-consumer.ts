import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { EventBus, Subscription, SubscriptionOptions } from '@tessera/bus';

/**
 * A role's consumer group on the event bus: subscribed once the application has started (so every
 * provider it hands messages to is ready), closed when the module is destroyed.
 */
export abstract class BusConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;

  protected constructor(
    private readonly bus: EventBus,
    private readonly options: SubscriptionOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe(this.options);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
