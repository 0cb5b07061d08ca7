/**
 * Runs `fn` over `items`, at most `limit` at a time; the first error stops new starts and is
 * thrown after the rest settle. Used by the lab (container starts) and by Terasort workers (peer
 * connects), so it imports nothing.
 */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let err: unknown = null;
  const worker = async () => {
    while (err === null && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (e) {
        if (err === null) err = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (err !== null) throw err;
  return out;
}
