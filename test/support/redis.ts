import { Redis } from 'ioredis';

/** The Redis the tests use (CI: 127.0.0.1:6379). Fails loudly, never skips, when it is not there. */
export async function requireRedisUrl(): Promise<string> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new Error(
      `Redis not reachable at ${url} (${e instanceof Error ? e.message : String(e)}); start it with: redis-server --daemonize yes --port 6379 --save "" --appendonly no`,
      { cause: e },
    );
  } finally {
    probe.disconnect();
  }
  return url;
}
