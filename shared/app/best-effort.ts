import { AppError } from '../domain/errors.js';
import type { RateDecision } from '../ports/ephemeral.js';
import type { AppDeps } from './deps.js';

export type RateDeps = Pick<AppDeps, 'ephemeral' | 'telemetry'>;

/** Ephemeral state must never break what is durable: failures are logged and the caller goes on. */
export async function quietly<T>(
  deps: Pick<AppDeps, 'telemetry'>,
  what: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    deps.telemetry.log('warn', `${what} failed`, { error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/** Takes one token of the user's bucket; undefined when the limiter itself is down (then the call is let through). */
export function takeToken(deps: RateDeps, bucket: string, perMinute: number): Promise<RateDecision | undefined> {
  return quietly(deps, 'rate limiter', () => deps.ephemeral.take(bucket, perMinute, 60));
}

/** The rate_limited error when the user's bucket is empty, else null. */
export async function rateRefusal(
  deps: RateDeps,
  bucket: string,
  perMinute: number,
  what: string,
): Promise<AppError | null> {
  const decision = await takeToken(deps, bucket, perMinute);
  if (!decision || decision.allowed) return null;
  deps.telemetry.metric('RateLimitHit', 1, { bucket: bucket.split(':')[0] ?? bucket });
  return new AppError(
    'rate_limited',
    'RATE_LIMITED',
    `rate limit exceeded: at most ${perMinute} ${what} per minute; retry after ${decision.retryAfterSeconds} s`,
    { retryAfterSeconds: decision.retryAfterSeconds },
  );
}
