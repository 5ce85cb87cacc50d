/**
 * Per-key async lanes: work for one key (a conversation) runs in order, work for different keys runs in parallel.
 * In-process only; other processes are handled by the store's protocols. A key's bookkeeping is dropped as soon as
 * its lane is idle, so memory follows the keys in flight, not every key ever seen.
 */

/** Runs one task at a time per key, in submission order. A failing task fails its caller only, never the lane. */
export class SerialLanes {
  private readonly tails = new Map<string, Promise<void>>();

  /** Keys with work queued or running. */
  get activeKeys(): number {
    return this.tails.size;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Coalesces work per key: while one run for the key is in flight, later submissions wait and are served together by
 * ONE run with the greatest value submitted meanwhile (`greater` decides). Fits "move X forward to v" where moving
 * to the greatest v covers every smaller one. Each submission resolves when a run covering it has finished, and
 * rejects when that run failed; the next run starts regardless.
 */
export class CoalescingLanes<T extends NonNullable<unknown>> {
  private readonly lanes = new Map<
    string,
    { pending: T | null; next: Promise<void> | null; active: Promise<void> | null }
  >();

  constructor(
    private readonly work: (key: string, value: T) => Promise<void>,
    private readonly greater: (a: T, b: T) => boolean,
  ) {}

  /** Keys with work queued or running. */
  get activeKeys(): number {
    return this.lanes.size;
  }

  submit(key: string, value: T): Promise<void> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { pending: null, next: null, active: null };
      this.lanes.set(key, lane);
    }
    if (lane.pending === null || this.greater(value, lane.pending)) lane.pending = value;
    if (lane.next !== null) return lane.next;
    const l = lane;
    const next = (async () => {
      // always yields first, so `l.next` is assigned before it is cleared below
      await (l.active ?? Promise.resolve()).catch(() => undefined);
      const target = l.pending;
      l.pending = null;
      l.next = null;
      const run = target === null ? Promise.resolve() : this.work(key, target);
      l.active = run;
      try {
        await run;
      } finally {
        if (l.active === run) l.active = null;
        if (l.active === null && l.next === null && l.pending === null) this.lanes.delete(key);
      }
    })();
    l.next = next;
    return next;
  }
}

/** Maps with at most `limit` calls in flight; results keep the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
