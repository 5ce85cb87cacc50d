import { AppError } from '../domain/errors.js';
import type { AppDeps } from './deps.js';

/** Seconds a client should wait before asking again while the ephemeral state (Redis) is down. */
const RETRY_AFTER_SECONDS = 5;

/**
 * For calls whose whole answer is ephemeral state (presence): when that state is down, a 503 with retry-after (a hub
 * error with the same text) instead of a 500. Errors the use case meant (AppError) pass unchanged.
 */
export async function orUnavailable<T>(
  deps: Pick<AppDeps, 'telemetry'>,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof AppError) throw e;
    deps.telemetry.log('warn', `${what} failed`, { error: e instanceof Error ? e.message : String(e) });
    throw new AppError(
      'unavailable',
      'EPHEMERAL.UNAVAILABLE',
      `${what} is unavailable right now; retry after ${RETRY_AFTER_SECONDS} s`,
      { retryAfterSeconds: RETRY_AFTER_SECONDS },
    );
  }
}
