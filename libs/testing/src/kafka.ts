import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes the topics and consumer groups whose names start with `prefix` (one test's or bench run's).
 * Left behind, every run adds its partitions to the broker, whose heap holds the metadata of all of
 * them: a development machine's broker ran out of its 512 MB after some sixteen thousand.
 */
export async function deleteKafkaPrefix(brokers: string, prefix: string, clientId = 'tessera-test'): Promise<void> {
  const admin = new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
