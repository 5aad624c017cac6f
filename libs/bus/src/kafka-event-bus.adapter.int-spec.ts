import { silentLogger } from '@tessera/telemetry';
import { requireInfra } from '@tessera/testing';
import { describeEventBusContract } from './event-bus.contract';
import { KafkaEventBus } from './kafka-event-bus.adapter';

// Against the real Kafka broker (KRaft) that scripts/infra/start.sh runs.
describeEventBusContract('Kafka', async () => {
  const bus = new KafkaEventBus(
    { brokers: requireInfra().kafkaBrokers.split(','), clientId: 'contract', partitions: 3, replicationFactor: 1, topicPrefix: `t${Date.now()}.` },
    silentLogger,
  );
  return { bus, close: () => bus.close() };
});
