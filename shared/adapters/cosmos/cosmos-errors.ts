import { AppError } from '../../domain/errors.js';

/** The HTTP status (or the SDK's string code, e.g. TimeoutError) of an error from `@azure/cosmos`. */
export function statusOf(err: unknown): number | string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' || typeof code === 'string') return code;
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

const TRANSIENT = new Set<number | string>([
  408,
  410,
  449,
  503,
  'TimeoutError',
  'REQUEST_SEND_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/**
 * Failures after which a request may or may not have been applied and trying again can succeed. Throttling (429) is
 * not in here: a throttled request was never applied, so cosmos-container.ts retries it even for writes (after the
 * SDK's own retries, connectionPolicy.retryOptions).
 */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  return status !== undefined && TRANSIENT.has(status);
}

/** What callers see when Cosmos stays busy or unreachable: a 503 with a hint, not a 500. */
export function unavailableError(err: unknown): AppError {
  const status = statusOf(err);
  const retryAfterMs =
    typeof err === 'object' && err !== null ? (err as { retryAfterInMs?: unknown }).retryAfterInMs : undefined;
  const retryAfterSeconds = typeof retryAfterMs === 'number' && retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : 1;
  return new AppError(
    'unavailable',
    'STORE.UNAVAILABLE',
    `the database is busy or unreachable (${String(status)}); try again shortly`,
    {
      retryAfterSeconds,
    },
  );
}

/** Maps what a store method throws: domain errors pass, throttling and outages become `unavailable`. */
function toStoreError(err: unknown): Error {
  if (err instanceof AppError) return err;
  if (statusOf(err) === 429 || isTransient(err)) return unavailableError(err);
  return err instanceof Error ? err : new Error(String(err));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter: many writers that collided spread out instead of colliding again. */
export const backoffMs = (attempt: number, baseMs: number, capMs: number): number =>
  Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));

/** Failures that may leave a stored send's bookkeeping behind without failing the send. */
export const isQuiet = (err: unknown): boolean =>
  isTransient(err) || statusOf(err) === 429 || (err instanceof AppError && err.kind === 'unavailable');

/** Runs a store operation and maps what it throws (see toStoreError): callers see domain errors, never a raw 429. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw toStoreError(err);
  }
}
