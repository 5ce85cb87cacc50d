/**
 * The document primitives every Cosmos adapter uses: read, query, create, replace-if-match, conditional patch,
 * upsert and delete, each retried where that is safe, and each telling apart "someone else won" from failure.
 * Store methods wrap their whole operation in `guard` (cosmos-errors.ts), which maps what is left to domain errors.
 *
 * Queries always name the partition key in the WHERE clause (cosmosdb-server ignores the partitionKey option) and
 * use only ORDER BY / TOP / continuation tokens (no OFFSET, DISTINCT, GROUP BY, LIKE).
 */
import { randomUUID } from 'node:crypto';
import type { Container, ItemDefinition, OperationInput, PatchOperation, SqlQuerySpec } from '@azure/cosmos';
import { z } from 'zod';
import type { Doc, DocKind, Stored } from './cosmos-docs.js';
import { backoffMs, isTransient, sleep, statusOf } from './cosmos-errors.js';

const TRANSIENT_ATTEMPTS = 5;
/**
 * Our own retries of throttling. The client's SDK retries 429 itself first (COSMOS_RETRY_OPTIONS), so these are
 * few: they cover a container without SDK retries and a burst that outlasts them, not a database that stays busy.
 */
const THROTTLE_ATTEMPTS = 3;
const THROTTLE_WAIT_CAP_MS = 1_000;

const isThrottled = (err: unknown): boolean => statusOf(err) === 429;

function retryDelayMs(err: unknown, attempt: number): number {
  if (isThrottled(err) && typeof err === 'object' && err !== null) {
    const hint = (err as { retryAfterInMs?: unknown }).retryAfterInMs;
    if (typeof hint === 'number' && hint >= 0) return Math.min(hint, THROTTLE_WAIT_CAP_MS);
  }
  return backoffMs(attempt, 50, 2_000);
}

/**
 * Sends a request again after throttling (429: refused before it ran, so any request may be repeated) and, when it
 * is idempotent, after transient failures (timeouts, dropped connections, 503), with backoff.
 */
export async function retrying<T>(request: () => Promise<T>, idempotent = true): Promise<T> {
  let throttled = 0;
  let transient = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (isThrottled(err) && throttled < THROTTLE_ATTEMPTS) throttled++;
      else if (idempotent && isTransient(err) && transient < TRANSIENT_ATTEMPTS) transient++;
      else throw err;
      await sleep(retryDelayMs(err, attempt));
    }
  }
}

/** The bookkeeping every stored document has, whatever its kind. */
const Envelope = z.object({
  id: z.string(),
  _etag: z.string(),
  writeId: z.string().optional(),
  docType: z.string().optional(),
});

/** A stored document before it is decoded as a kind. */
export interface Found {
  body: unknown;
  etag: string;
  writeId: string | undefined;
  docType: string | undefined;
}

/** The document as `kind`, or null when it is a document of another kind. A malformed one throws. */
export function decode<T>(found: Found, kind: DocKind<T>): Stored<T> | null {
  if (kind.docType !== undefined && found.docType !== kind.docType) return null;
  return { value: kind.schema.parse(found.body), etag: found.etag, writeId: found.writeId };
}

function foundOf(body: unknown): Found {
  const envelope = Envelope.parse(body);
  return { body, etag: envelope._etag, writeId: envelope.writeId, docType: envelope.docType };
}

export type CreateOutcome = { created: true; etag: string } | { created: false; existing: Found | null };

export type PatchOutcome = 'patched' | 'precondition' | 'missing' | 'unsupported';

/** One operation's result in a transactional batch (a failed atomic batch: the culprit's status, the rest 424). */
export interface BatchResult {
  statusCode: number;
  eTag: string | undefined;
  body: unknown;
}

/**
 * A patch condition. Written with a line break after `FROM c` on purpose: Cosmos parses it like any query, while
 * cosmosdb-server 1.0.1 lower-cases a condition that starts with exactly "from c where " (c.lastSeq would become
 * c.lastseq and never match, so every conditional patch failed with 412); in this form it evaluates it as written.
 */
const conditionOf = (where: string): string => `FROM c\nWHERE ${where}`;

/** Whether the server evaluates patch conditions; shared by the containers of one store. */
export interface PatchSupport {
  conditional: boolean;
}

export class DocumentContainer {
  constructor(
    private readonly container: Container,
    private readonly patches: PatchSupport = { conditional: true },
  ) {}

  /** Cleared once the server rejected a conditional patch; callers then use read + IfMatch replace. */
  get conditionalPatch(): boolean {
    return this.patches.conditional;
  }

  async read<T>(id: string, partitionKey: string, kind: DocKind<T>): Promise<Stored<T> | null> {
    const found = await this.find(id, partitionKey);
    return found ? decode(found, kind) : null;
  }

  /** Every result of the query; documents of another kind are skipped. No partition key: across partitions. */
  async query<T>(spec: SqlQuerySpec, partitionKey: string | undefined, kind: DocKind<T>): Promise<Stored<T>[]> {
    const response = await retrying(() =>
      this.container.items.query<ItemDefinition>(spec, partitionKey === undefined ? {} : { partitionKey }).fetchAll(),
    );
    return this.decodeAll(response.resources, kind);
  }

  /** The sum of a `SELECT VALUE COUNT(1)` query's results (one per physical partition range, summed). */
  async count(spec: SqlQuerySpec, partitionKey: string): Promise<number> {
    const response = await retrying(() => this.container.items.query<unknown>(spec, { partitionKey }).fetchAll());
    return response.resources.reduce<number>((sum, n) => sum + (typeof n === 'number' ? n : 0), 0);
  }

  /** One page of the query; `continuationToken` is the SDK's own. */
  async queryPage<T>(
    spec: SqlQuerySpec,
    partitionKey: string,
    kind: DocKind<T>,
    page: { maxItemCount: number; continuationToken: string | undefined },
  ): Promise<{ items: Stored<T>[]; continuationToken: string | undefined }> {
    const response = await retrying(() =>
      this.container.items.query<ItemDefinition>(spec, { partitionKey, ...page }).fetchNext(),
    );
    // why: servers differ in how they say "no more pages" (no header, or null)
    return {
      items: this.decodeAll(response.resources, kind),
      continuationToken: response.continuationToken ?? undefined,
    };
  }

  /**
   * Creates the doc. 409, or a failure after which the create may have landed: a read decides, because only our
   * write carries our writeId. Returns the doc found in the way when the id was taken by someone else.
   */
  async create<D extends Doc>(doc: D, partitionKey: string): Promise<CreateOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await retrying(() => this.container.items.create<ItemDefinition>(doc), false);
        return { created: true, etag: response.resource?._etag ?? response.etag };
      } catch (err) {
        const status = statusOf(err);
        if (status !== 409 && !(isTransient(err) && attempt < TRANSIENT_ATTEMPTS)) throw err;
        const now = await this.find(doc.id, partitionKey);
        if (now?.writeId === doc.writeId) return { created: true, etag: now.etag };
        if (now) return { created: false, existing: now };
        // 409 but gone again (a released claim), or the create did not land: try again
        if (attempt >= TRANSIENT_ATTEMPTS) return { created: false, existing: null };
        if (status !== 409) await sleep(backoffMs(attempt, 50, 2_000));
      }
    }
  }

  /**
   * Replaces the doc if it still has `etag` and returns the new etag; null = someone else changed (or deleted) it in
   * between: re-read and decide again.
   */
  async replace<D extends Doc>(doc: D, partitionKey: string, etag: string): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await retrying(
          () =>
            this.container
              .item(doc.id, partitionKey)
              .replace<ItemDefinition>(doc, { accessCondition: { type: 'IfMatch', condition: etag } }),
          false,
        );
        return response.etag;
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || status === 404) return null;
        if (!isTransient(err) || attempt >= TRANSIENT_ATTEMPTS) throw err;
        const now = await this.find(doc.id, partitionKey);
        if (now?.writeId === doc.writeId) return now.etag;
        if (!now || now.etag !== etag) return null;
        await sleep(backoffMs(attempt, 50, 2_000));
      }
    }
  }

  /** An upsert is idempotent, so it is retried after a timeout as it is. */
  async upsert<D extends Doc>(doc: D): Promise<void> {
    await retrying(() => this.container.items.upsert<ItemDefinition>(doc));
  }

  /** Deletes the doc (only if it still has `ifMatch`, when given); false when it was not there. */
  async delete(id: string, partitionKey: string, ifMatch?: string): Promise<boolean> {
    try {
      await retrying(() =>
        this.container
          .item(id, partitionKey)
          .delete(ifMatch === undefined ? {} : { accessCondition: { type: 'IfMatch', condition: ifMatch } }),
      );
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /**
   * Patch applied only where `where` holds (evaluated atomically by the server). Idempotent, so retried as it is.
   * 'unsupported' = the server rejected the condition (400); the caller then falls back to read + IfMatch replace.
   */
  async patchIf(id: string, partitionKey: string, operations: PatchOperation[], where: string): Promise<PatchOutcome> {
    try {
      await retrying(() =>
        this.container.item(id, partitionKey).patch({
          operations: [...operations, { op: 'set', path: '/writeId', value: randomUUID() }],
          condition: conditionOf(where),
        }),
      );
      return 'patched';
    } catch (err) {
      const status = statusOf(err);
      if (status === 412) return 'precondition';
      if (status === 404) return 'missing';
      if (status === 400) {
        this.patches.conditional = false;
        return 'unsupported';
      }
      throw err;
    }
  }

  /**
   * A transactional batch in one partition: one request. Real Cosmos answers a failed batch with 207 and the
   * results (nothing applied); the results are returned either way. Only throttling is retried here: after a
   * timeout the caller decides by a read whether the batch landed.
   */
  async batch(operations: OperationInput[], partitionKey: string): Promise<BatchResult[]> {
    const response = await retrying(() => this.container.items.batch(operations, partitionKey), false);
    return (response.result ?? []).map((r) => ({
      statusCode: r.statusCode,
      eTag: r.eTag,
      body: r.resourceBody,
    }));
  }

  /** The document under this id, whatever its kind. */
  async find(id: string, partitionKey: string): Promise<Found | null> {
    const response = await retrying(() => this.container.item(id, partitionKey).read<ItemDefinition>());
    return response.resource ? foundOf(response.resource) : null;
  }

  private decodeAll<T>(resources: readonly unknown[], kind: DocKind<T>): Stored<T>[] {
    return resources.map((r) => decode(foundOf(r), kind)).filter((d): d is Stored<T> => d !== null);
  }
}
