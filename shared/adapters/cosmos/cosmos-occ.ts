/**
 * Optimistic concurrency, once for every read-modify-write of the Cosmos adapters: read the document with its ETag,
 * compute the new one, replace it only if the ETag still matches (create it if there was none), and when someone
 * else wrote in between, back off with jitter and start over from a fresh read.
 */
import type { Mutation } from '../../ports/store.js';
import type { DocumentContainer } from './cosmos-container.js';
import type { Doc, DocKind } from './cosmos-docs.js';
import { backoffMs, sleep } from './cosmos-errors.js';

const OCC_ATTEMPTS = 100;

/** The outcome of one round: done with a result, or RETRY because the document changed under us. */
export const RETRY = Symbol('retry');
export type Round<R> = { done: R } | typeof RETRY;

/** Runs rounds until one is done; after too many lost races throws `busy()` (a conflict the client may retry). */
export async function optimistically<R>(round: () => Promise<Round<R>>, busy: () => Error): Promise<R> {
  for (let attempt = 0; attempt < OCC_ATTEMPTS; attempt++) {
    const outcome = await round();
    if (outcome !== RETRY) return outcome.done;
    await sleep(backoffMs(attempt, 5, 200));
  }
  throw busy();
}

export interface DocumentUpdate<T> {
  docs: DocumentContainer;
  id: string;
  partitionKey: string;
  kind: DocKind<T>;
  /** What to mutate when there is no such document (it is then created), or null to answer null. May throw. */
  missing: () => T | null;
  mutate: Mutation<T>;
  /** The document that stores `next`; `current` is what the mutation started from. May throw to refuse `next`. */
  toDoc: (next: T, current: T) => Doc;
  busy: () => Error;
}

/** What an update returns: the stored value, and whether this call wrote it (false: the mutation returned null). */
export interface Updated<T> {
  value: T;
  written: boolean;
}

/** Read -> mutate -> replace-if-match (or create) -> back off, until it sticks. */
export function updateDocument<T>(u: DocumentUpdate<T>): Promise<Updated<T> | null> {
  return optimistically(async (): Promise<Round<Updated<T> | null>> => {
    const current = await u.docs.read(u.id, u.partitionKey, u.kind);
    const base = current ? current.value : u.missing();
    if (base === null) return { done: null };
    // why: the mutation gets a copy, so one that changes its argument and returns null changes nothing
    const next = u.mutate(structuredClone(base));
    if (!next) return { done: { value: base, written: false } };
    const doc = u.toDoc(next, base);
    const written = current
      ? (await u.docs.replace(doc, u.partitionKey, current.etag)) !== null
      : (await u.docs.create(doc, u.partitionKey)).created;
    return written ? { done: { value: u.kind.schema.parse(doc), written: true } } : RETRY;
  }, u.busy);
}
