import type { TokenCredential } from '@azure/identity';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisEntraAuth } from '../../shared/adapters/redis/entra-auth.js';
import type { DependencyCall, Telemetry } from '../../shared/ports/system.js';
import { withDependencyTelemetry } from '../../shared/runtime/dependencies.js';

const recorder = () => {
  const calls: DependencyCall[] = [];
  const telemetry: Telemetry = {
    log: () => undefined,
    event: () => undefined,
    metric: () => undefined,
    dependency: (c) => void calls.push(c),
  };
  return { calls, telemetry };
};

describe('dependency telemetry at the composition root', () => {
  it('when an adapter is called, then each call is one dependency with its duration and outcome; close is not one', async () => {
    class Adapter {
      #secret = 41;
      read(): Promise<number> {
        return Promise.resolve(this.#secret + 1);
      }
      fail(): Promise<void> {
        return Promise.reject(new Error('down'));
      }
      close(): Promise<void> {
        return Promise.resolve();
      }
    }
    const { calls, telemetry } = recorder();
    const a = withDependencyTelemetry(new Adapter(), { type: 'Redis', target: 'cache:10000' }, telemetry);
    expect(await a.read()).toBe(42);
    await expect(a.fail()).rejects.toThrow('down');
    await a.close();
    expect(calls.map(({ durationMs: _d, ...c }) => c)).toEqual([
      { type: 'Redis', target: 'cache:10000', name: 'read', success: true },
      { type: 'Redis', target: 'cache:10000', name: 'fail', success: false },
    ]);
    expect(calls.every((c) => c.durationMs >= 0)).toBe(true);
  });
});

describe('Redis with Entra ID', () => {
  afterEach(() => vi.useRealTimers());
  const jwt = (oid: string) => `x.${Buffer.from(JSON.stringify({ oid })).toString('base64url')}.y`;

  it('when the token nears expiry, then a new one re-authenticates the connection and is kept for reconnects', async () => {
    vi.useFakeTimers();
    let n = 0;
    const credential: TokenCredential = {
      getToken: (scope) => {
        expect(scope).toBe('https://redis.azure.com/.default');
        n += 1;
        return Promise.resolve({ token: `${jwt('oid-1')}#${n}`, expiresOnTimestamp: Date.now() + 60 * 60_000 });
      },
    };
    const auth = await redisEntraAuth(credential);
    expect(auth.username).toBe('oid-1');
    const authCalls: string[][] = [];
    const client = {
      status: 'ready',
      options: { password: auth.password },
      auth: (u: string, p: string) => {
        authCalls.push([u, p]);
        return Promise.resolve('OK');
      },
    } as unknown as Redis;
    auth.keepFresh(client, (e) => {
      throw e;
    });
    await vi.advanceTimersByTimeAsync(54 * 60_000);
    expect(authCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(authCalls).toEqual([['oid-1', `${jwt('oid-1')}#2`]]);
    expect(client.options.password).toBe(`${jwt('oid-1')}#2`);
    auth.stop();
  });
});
