import { Inject, Injectable } from '@nestjs/common';
import type { EventBus } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { BusConsumer, EVENT_BUS } from '@tessera/platform';
import { QueueNotificationsUseCase } from './queue-notifications.use-case';

/** The hl7 role's consumer group for FHIR Subscriptions on the studies topic: stable studies become notifications. */
@Injectable()
export class NotificationsConsumer extends BusConsumer {
  static readonly GROUP = 'tessera-fhir-subscriptions';

  constructor(@Inject(EVENT_BUS) bus: EventBus, queue: QueueNotificationsUseCase) {
    super(bus, {
      group: NotificationsConsumer.GROUP,
      topics: [Topics.Studies],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await queue.handle(message);
      },
    });
  }
}
