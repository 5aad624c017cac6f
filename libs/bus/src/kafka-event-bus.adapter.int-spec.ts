import { silentLogger } from '@tessera/telemetry';
import { deleteKafkaPrefix, requireInfra } from '@tessera/testing';
import { describeEventBusContract } from './event-bus.contract';
import { KafkaEventBus } from './kafka-event-bus.adapter';

// Against the real Kafka broker (KRaft) that scripts/infra/start.sh runs. Each bus has topics and
// groups of its own, deleted when it closes, so that runs do not pile up partitions on the broker.
describeEventBusContract('Kafka', async () => {
  const brokers = requireInfra().kafkaBrokers;
  const topicPrefix = `t${Date.now()}.`;
  const bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: 'contract', partitions: 3, replicationFactor: 1, topicPrefix }, silentLogger);
  return {
    bus,
    close: async () => {
      await bus.close();
      await deleteKafkaPrefix(brokers, topicPrefix);
    },
  };
});
