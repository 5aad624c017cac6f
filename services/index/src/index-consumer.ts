import { Inject, Injectable } from '@nestjs/common';
import type { EventBus } from '@tessera/bus';
import { Topics } from '@tessera/contracts';
import { BusConsumer, EVENT_BUS } from '@tessera/platform';
import { ForgetDeletedInstancesUseCase } from './deletion/forget-deleted-instances.use-case';
import { IndexInstanceUseCase } from './index-instance.use-case';

/** The index role's consumer group on the instances topic. */
@Injectable()
export class IndexConsumer extends BusConsumer {
  static readonly GROUP = 'tessera-index';

  constructor(@Inject(EVENT_BUS) bus: EventBus, useCase: IndexInstanceUseCase, forget: ForgetDeletedInstancesUseCase) {
    super(bus, {
      group: IndexConsumer.GROUP,
      topics: [Topics.Instances],
      deadLetterTopic: Topics.DeadLetter,
      handler: async (message) => {
        await useCase.handle(message);
        await forget.handle([message]);
      },
      // Events waiting in a partition (a burst of ingest, or a backlog after an outage) are indexed
      // together, one transaction per batch.
      batchHandler: async (messages) => {
        await useCase.handleMany(messages);
        // After the batch's instances are indexed: a deletion in it then finds those it must forget.
        await forget.handle(messages);
      },
    });
  }
}
