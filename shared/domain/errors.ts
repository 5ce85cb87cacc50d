/** What went wrong, independent of transport. Only the edges map a kind to an HTTP status or a hub error. */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable';

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    readonly detail: string,
    readonly extra: { retryAfterSeconds?: number; errors?: unknown[] } = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export const notFound = (what: string): AppError =>
  new AppError('not_found', `${what.toUpperCase().replace(/\s+/g, '_')}.NOT_FOUND`, `${what} not found`);

export const forbidden = (detail: string, code = 'FORBIDDEN'): AppError => new AppError('forbidden', code, detail);

export const invalid = (detail: string, code = 'VALIDATION'): AppError => new AppError('validation', code, detail);

export const conflict = (detail: string, code = 'CONFLICT'): AppError => new AppError('conflict', code, detail);
