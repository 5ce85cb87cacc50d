import { Redis } from 'ioredis';

/** One client per process (commands only; no subscriber in Functions). TLS when the URL is rediss://. */
export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    connectTimeout: 5000,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(url.startsWith('rediss://') && { tls: { servername: new URL(url).hostname } }),
  });
}
