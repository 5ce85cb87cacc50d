import { describe, expect, it } from 'vitest';
import { CoalescingLanes, mapLimit, SerialLanes } from '../../shared/adapters/lanes.js';

/** A promise the test resolves or rejects by hand. */
function gate<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SerialLanes', () => {
  it('when tasks for one key are queued, then they run one at a time in submission order', async () => {
    const lanes = new SerialLanes();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      lanes.run('k', task('a', 15)),
      lanes.run('k', task('b', 1)),
      lanes.run('k', task('c', 5)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(most).toBe(1);
  });

  it('when tasks for different keys are queued, then they run at the same time', async () => {
    const lanes = new SerialLanes();
    const blocker = gate();
    const first = lanes.run('a', () => blocker.promise.then(() => 'a'));
    // 'b' finishes although 'a' is still blocked
    await expect(lanes.run('b', () => Promise.resolve('b'))).resolves.toBe('b');
    expect(lanes.activeKeys).toBe(1);
    blocker.resolve();
    await expect(first).resolves.toBe('a');
  });

  it('when a task fails, then only its caller sees the error and the next task of the key still runs', async () => {
    const lanes = new SerialLanes();
    const failing = lanes.run('k', () => Promise.reject(new Error('boom')));
    const after = lanes.run('k', () => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('boom');
    await expect(after).resolves.toBe('next');
    await expect(lanes.run('k', () => Promise.resolve('later'))).resolves.toBe('later');
  });

  it('when every lane is idle again, then no key is kept', async () => {
    const lanes = new SerialLanes();
    const blocker = gate();
    const runs = Array.from({ length: 50 }, (_, i) => lanes.run(`k${i % 10}`, () => blocker.promise));
    expect(lanes.activeKeys).toBe(10);
    blocker.resolve();
    await Promise.all(runs);
    await lanes.run('x', () => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(lanes.activeKeys).toBe(0);
  });
});

describe('CoalescingLanes', () => {
  function recorder() {
    const runs: { key: string; value: number; done: ReturnType<typeof gate<void>> }[] = [];
    const lanes = new CoalescingLanes<number>(
      (key, value) => {
        const done = gate();
        runs.push({ key, value, done });
        return done.promise;
      },
      (a, b) => a > b,
    );
    return { lanes, runs };
  }

  it('when values arrive while a run is in flight, then one later run takes the greatest of them and serves them all', async () => {
    const { lanes, runs } = recorder();
    const first = lanes.submit('k', 1);
    await tick();
    expect(runs.map((r) => r.value)).toEqual([1]);
    const waiting = [lanes.submit('k', 3), lanes.submit('k', 5), lanes.submit('k', 4)];
    await tick();
    expect(runs).toHaveLength(1);
    runs[0]!.done.resolve();
    await first;
    await tick();
    expect(runs.map((r) => r.value)).toEqual([1, 5]);
    runs[1]!.done.resolve();
    await Promise.all(waiting);
    expect(lanes.activeKeys).toBe(0);
  });

  it('when runs for different keys are in flight, then they do not wait for each other', async () => {
    const { lanes, runs } = recorder();
    const a = lanes.submit('a', 1);
    const b = lanes.submit('b', 1);
    await tick();
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
    runs[1]!.done.resolve();
    await b;
    expect(lanes.activeKeys).toBe(1);
    runs[0]!.done.resolve();
    await a;
    expect(lanes.activeKeys).toBe(0);
  });

  it('when a run fails, then its submitters see the error and the next run of the key still happens', async () => {
    const { lanes, runs } = recorder();
    const failing = lanes.submit('k', 1);
    await tick();
    const next = lanes.submit('k', 2);
    runs[0]!.done.reject(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    await tick();
    expect(runs.map((r) => r.value)).toEqual([1, 2]);
    runs[1]!.done.resolve();
    await expect(next).resolves.toBeUndefined();
    expect(lanes.activeKeys).toBe(0);
  });
});

describe('mapLimit', () => {
  it('when items are mapped, then at most `limit` calls run at once and results keep the input order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return ms * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
    expect(await mapLimit([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});
