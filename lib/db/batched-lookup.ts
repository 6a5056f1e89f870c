/**
 * Rows read (or touched) by key for many requests at once: lookups asked while a read is under way
 * go together in the next read (one statement for all of them instead of one each), so under load the
 * statements per request fall towards zero and a quiet hub reads at once. Every lookup is
 * answered by a read that began after it was asked, so a change committed before a request
 * arrived (a revoked token, a reset) is always seen. At most `maxBatch` ids per read.
 */
export class BatchedLookup<V> {
  private waiting = new Map<string, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>>();
  private reading = false;

  constructor(
    /** Reads the rows of these ids; ids without a row are simply absent from the map. */
    private readonly read: (ids: string[]) => Promise<Map<string, V>>,
    private readonly maxBatch = 500,
  ) {}

  get(id: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(id);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(id, [{ resolve, reject }]);
      if (!this.reading) {
        this.reading = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.size > 0) {
        const batch = new Map([...this.waiting].slice(0, this.maxBatch));
        for (const id of batch.keys()) this.waiting.delete(id);
        try {
          const found = await this.read([...batch.keys()]);
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve(found.get(id));
        } catch (err) {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
        }
      }
    } finally {
      this.reading = false;
    }
  }
}

/** One lookup per key object (a pool), made on first use. */
export function lookupFor<K extends object, V>(
  cache: WeakMap<K, BatchedLookup<V>>,
  key: K,
  make: () => BatchedLookup<V>,
) {
  let lookup = cache.get(key);
  if (!lookup) cache.set(key, (lookup = make()));
  return lookup;
}
