/**
 * The send as ONE transactional batch in the conversation's partition (real Cosmos; COSMOS_ATOMIC_BATCH):
 *   [create claim {seq: k} (with a clientMessageId)] + replace conversation (IfMatch: lastSeq k-1 → k, last message)
 *   + create message k
 * All or nothing, so the claim names its seq from the start (no "pending" claim, no completion write) and lastSeq
 * moves with the message. k comes from the conversation this process knows (with its etag): read with the send's
 * conversation read, or the one its own last batch wrote. Costs: 1 request when that is current; when another
 * writer moved the conversation, 412 → read it → batch again (3); a clientMessageId used before: 409 on the claim →
 * the claim path finds the first message. The conversation is replaced with IfMatch rather than patched with a
 * condition because batches on the embedded server know no patch; the price is a retry after any change of the
 * conversation doc (title, participants), which is rare next to sends.
 *
 * A server that is not atomic (the embedded cosmosdb-server runs the operations in order and stops at the first
 * failure without undoing the ones before) shows itself by reporting an applied operation in a failed batch: the
 * applied claim is deleted again and the store falls back to the 409-based allocation (cosmos-seq.ts) for good.
 */
import { randomUUID } from 'node:crypto';
import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { Conversation } from '../../domain/conversation.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import { messageIdOf } from '../../domain/rules.js';
import type { NewMessage } from '../../ports/store.js';
import type { BatchResult, DocumentContainer } from './cosmos-container.js';
import {
  type ClaimDoc,
  CONVERSATION,
  claimIdOf,
  conversationDoc,
  MESSAGE,
  messageDoc,
  previewRecord,
  type Stored,
} from './cosmos-docs.js';
import { backoffMs, isTransient, sleep, statusOf } from './cosmos-errors.js';

const ATTEMPTS = 20;
const KNOWN_MAX = 10_000;

/** The conversation docs (with etags) this process last read or wrote: the batch's starting point. */
export class KnownConversations {
  private readonly docs = new Map<string, Stored<Conversation>>();

  get(id: string): Stored<Conversation> | undefined {
    return this.docs.get(id);
  }

  set(stored: Stored<Conversation>): void {
    const id = stored.value.id;
    const had = this.docs.get(id);
    // why: a read that raced our own batch must not replace the newer doc it wrote
    if (had && had.value.lastSeq > stored.value.lastSeq) return;
    this.docs.delete(id);
    this.docs.set(id, stored);
    if (this.docs.size > KNOWN_MAX) {
      const oldest = this.docs.keys().next();
      if (oldest.done !== true) this.docs.delete(oldest.value);
    }
  }

  drop(id: string): void {
    this.docs.delete(id);
  }
}

export type BatchAppend =
  | { kind: 'created'; message: Message }
  /** The clientMessageId was claimed before: the claim path (cosmos-claims.ts) finds that message. */
  | { kind: 'claimed-before' }
  /** The server is not atomic, or a message sits at the seq outside the protocol: use the 409-based path. */
  | { kind: 'fallback' };

export class BatchAppender {
  /** Cleared for good when the server shows it does not apply batches atomically. */
  atomic = true;

  constructor(
    private readonly conversations: DocumentContainer,
    private readonly known: KnownConversations,
  ) {}

  async append(input: NewMessage): Promise<BatchAppend> {
    const conversationId = input.conversationId;
    let current = this.known.get(conversationId) ?? (await this.read(conversationId));
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const seq = current.value.lastSeq + 1;
      const message: Message = { ...input, id: messageIdOf(conversationId, seq), seq };
      const mdoc = messageDoc(message);
      const cdoc = conversationDoc({
        ...current.value,
        lastSeq: seq,
        lastMessage: previewRecord(message),
        lastMessageAt: message.createdAt,
      });
      const claim = input.clientMessageId === null ? null : claimDoc(input, input.clientMessageId, seq);
      const ops: OperationInput[] = [
        ...(claim
          ? [{ operationType: 'Create' as const, partitionKey: conversationId, resourceBody: json(claim) }]
          : []),
        {
          operationType: 'Replace',
          id: conversationId,
          // why per operation: the embedded server reads each operation's own key (real Cosmos accepts it)
          partitionKey: conversationId,
          resourceBody: json(cdoc),
          ifMatch: current.etag,
        },
        { operationType: 'Create', partitionKey: conversationId, resourceBody: json(mdoc) },
      ];
      let results: BatchResult[];
      try {
        results = await this.conversations.batch(ops, conversationId);
      } catch (err) {
        // why: real Cosmos answers a failed batch with 207 and the results; should a failure come back as an error
        // status instead, decide by it: 412 = our copy is stale, 409 = claim or seq taken (the 409 path sorts it out)
        const status = statusOf(err);
        if (status === 412) {
          current = await this.read(conversationId);
          continue;
        }
        if (status === 409) return { kind: 'fallback' };
        if (status === 404) throw notFound('Conversation');
        if (!isTransient(err)) throw err;
        // the batch may have landed: only ours carries this writeId
        const landed = await this.conversations.find(mdoc.id, conversationId);
        if (landed?.writeId === mdoc.writeId) {
          this.known.drop(conversationId);
          return { kind: 'created', message: MESSAGE.schema.parse(mdoc) };
        }
        await sleep(backoffMs(attempt, 50, 2_000));
        current = await this.read(conversationId);
        continue;
      }
      const [claimResult, convResult, msgResult] = claim
        ? [results[0], results[1], results[2]]
        : [undefined, results[0], results[1]];
      if (results.length === ops.length && results.every((r) => r.statusCode < 400)) {
        if (convResult?.eTag)
          this.known.set({ value: CONVERSATION.schema.parse(cdoc), etag: convResult.eTag, writeId: cdoc.writeId });
        else this.known.drop(conversationId);
        return { kind: 'created', message: MESSAGE.schema.parse(mdoc) };
      }
      if (results.some((r) => r.statusCode < 300)) {
        // not atomic: undo the claim it left behind and stop batching
        this.atomic = false;
        this.known.drop(conversationId);
        if (claim && claimResult && claimResult.statusCode < 300)
          await this.conversations.delete(claim.id, conversationId, claimResult.eTag).catch(() => false);
        return { kind: 'fallback' };
      }
      const failed = results.find((r) => r.statusCode !== 424)?.statusCode;
      if (claim && claimResult?.statusCode === 409) return { kind: 'claimed-before' };
      if (convResult?.statusCode === 404) throw notFound('Conversation');
      if (convResult?.statusCode === 412 || failed === 412) {
        current = await this.read(conversationId);
        if (attempt > 1) await sleep(backoffMs(attempt, 2, 50));
        continue;
      }
      // 409 on the message with the conversation current: a message outside this protocol holds seq k
      if (msgResult?.statusCode === 409) return { kind: 'fallback' };
      throw new AppError('unavailable', 'MESSAGE.BATCH_FAILED', `the send batch failed (${failed ?? 'no result'})`, {
        retryAfterSeconds: 1,
      });
    }
    throw new AppError(
      'unavailable',
      'MESSAGE.SEQ_CONTENTION',
      'too many concurrent sends to this conversation; try again',
      { retryAfterSeconds: 1 },
    );
  }

  private async read(conversationId: string): Promise<Stored<Conversation>> {
    const stored = await this.conversations.read(conversationId, conversationId, CONVERSATION);
    if (!stored) throw notFound('Conversation');
    this.known.set(stored);
    return stored;
  }
}

/** Our documents are plain JSON (zod-checked shapes); the SDK's batch type asks for its JSON type. */
const json = (doc: object): JSONObject => structuredClone(doc) as JSONObject;

/** A claim that names its seq from the start: it only exists together with its message. */
function claimDoc(input: NewMessage, clientMessageId: string, seq: number): ClaimDoc {
  const owner = randomUUID();
  return {
    id: claimIdOf(input.senderId, clientMessageId),
    conversationId: input.conversationId,
    docType: 'claim',
    senderId: input.senderId,
    clientMessageId,
    seq,
    owner,
    claimedAt: new Date().toISOString(),
    writeId: owner,
    ...(input.ttl !== undefined && { ttl: input.ttl }),
  };
}
