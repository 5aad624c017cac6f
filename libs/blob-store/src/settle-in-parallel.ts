/**
 * Runs `task` on every item, at most `limit` at a time; a failure does not stop the others. Resolves
 * once all have settled, with the items that failed and why.
 */
export async function settleInParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}
