/**
 * Re-runs `check` until it stops throwing or the timeout passes, then rethrows its last error.
 * Tests wait on conditions with this, never on fixed sleeps (STYLE 12).
 */
export async function expectEventually<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const timeout = options.timeoutMs ?? 10_000;
  const interval = options.intervalMs ?? 50;
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}
