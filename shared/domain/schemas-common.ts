import { z } from 'zod';
import { LIMITS } from './limits.js';

/** Ids chosen by clients or by us: printable, no path or query characters (they end up in URLs and Cosmos ids). */
export const IdSchema = z
  .string()
  .min(1)
  .max(LIMITS.idChars)
  .regex(/^[A-Za-z0-9_\-.:@]+$/, 'may contain only letters, digits and _ - . : @')
  // why: "." and ".." are dot segments: in a URL path (SignalR's /users/{id}) they resolve away (found by the fuzz suite)
  .refine((v) => v !== '.' && v !== '..', 'must not be "." or ".."');

export const UserIdSchema = IdSchema.describe('User id (the `sub` of the caller’s token)');

export const IsoDateSchema = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time');

/** Query-string boolean: only the words true/false (and 1/0) are accepted; anything else is an error, not false. */
export const QueryBoolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const QueryInt = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));
