/** Messages in their conversation's partition: append (claims + seq allocation), read, list, edit, search. */
import type { SqlParameter } from '@azure/cosmos';
import { conflict, notFound } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import { searchOrder } from '../../domain/ordering.js';
import type { AppendResult, Mutation, NewMessage } from '../../ports/store.js';
import { mapLimit, SerialLanes } from '../lanes.js';
import { BatchAppender, type KnownConversations } from './cosmos-batch.js';
import { type ClaimTiming, ClientIdClaims, type OwnedClaim } from './cosmos-claims.js';
import type { DocumentContainer } from './cosmos-container.js';
import { CONVERSATION, MESSAGE, messageDoc } from './cosmos-docs.js';
import { updateDocument } from './cosmos-occ.js';
import { SeqAllocator } from './cosmos-seq.js';

const SEARCH_PARALLELISM = 8;

export class CosmosMessages {
  private readonly seqs: SeqAllocator;
  private readonly claims: ClientIdClaims;
  /** The transactional-batch send (cosmos-batch.ts); undefined = the 409-based path only. */
  private readonly batch: BatchAppender | undefined;
  private readonly batches = new SerialLanes();

  /** `conversations`: the container of conversations, their messages and claims. */
  constructor(
    private readonly conversations: DocumentContainer,
    timing: ClaimTiming,
    batch: { atomic: boolean; known: KnownConversations },
  ) {
    this.seqs = new SeqAllocator(conversations);
    this.claims = new ClientIdClaims(conversations, timing);
    this.batch = batch.atomic ? new BatchAppender(conversations, batch.known) : undefined;
  }

  /** Whether sends go as one transactional batch (cleared if the server turns out not to be atomic). */
  get batching(): boolean {
    return this.batch?.atomic === true;
  }

  async append(input: NewMessage): Promise<AppendResult> {
    const batch = this.batch;
    if (batch?.atomic) {
      // why queued per conversation: sends of one process would otherwise collide on the conversation's etag
      const outcome = await this.batches.run(input.conversationId, () => batch.append(input));
      if (outcome.kind === 'created') return { message: structuredClone(outcome.message), created: true };
      // claimed before, or not batchable: the 409-based path below finds the first message or stores this one
    }
    return this.appendBy409(input);
  }

  /** The 409-based send (cosmos-seq.ts, cosmos-claims.ts): correct where batches are not atomic. */
  private async appendBy409(input: NewMessage): Promise<AppendResult> {
    const conversationId = input.conversationId;
    const conversation = await this.conversations.read(conversationId, conversationId, CONVERSATION);
    if (!conversation) throw notFound('Conversation');
    const lastSeq = conversation.value.lastSeq;

    let claim: OwnedClaim | null = null;
    if (input.clientMessageId !== null) {
      const outcome = await this.claims.claim(conversationId, input.senderId, input.clientMessageId, input.ttl);
      if (outcome.kind === 'done') {
        // why: the first writer may have stopped before moving lastSeq; moving it now keeps the conversation current
        if (lastSeq < outcome.message.seq) await this.seqs.advanceQuietly(outcome.message);
        return { message: outcome.message, created: false };
      }
      claim = outcome;
    }

    let message: Message;
    try {
      message = await this.seqs.allocate(lastSeq, input);
    } catch (err) {
      if (claim) await this.claims.release(claim);
      throw err;
    }
    if (claim) await this.claims.complete(claim, message.seq);
    await this.seqs.advanceQuietly(message);
    return { message: structuredClone(message), created: true };
  }

  findByClientMessageId(conversationId: string, senderId: string, clientMessageId: string): Promise<Message | null> {
    return this.claims.find(conversationId, senderId, clientMessageId);
  }

  async get(conversationId: string, messageId: string): Promise<Message | null> {
    return (await this.conversations.read(messageId, conversationId, MESSAGE))?.value ?? null;
  }

  async list(conversationId: string, range: { afterSeq?: number; beforeSeq?: number; limit: number }) {
    const limit = Math.floor(range.limit);
    if (limit <= 0) return [];
    const where = ['c.conversationId = @c', "c.docType = 'message'", 'c.seq > @after'];
    const parameters: SqlParameter[] = [
      { name: '@c', value: conversationId },
      { name: '@after', value: range.afterSeq ?? 0 },
      { name: '@n', value: limit },
    ];
    const newestFirst = range.beforeSeq !== undefined;
    if (range.beforeSeq !== undefined) {
      where.push('c.seq < @before');
      parameters.push({ name: '@before', value: range.beforeSeq });
    }
    const docs = await this.conversations.query(
      {
        query: `SELECT TOP @n * FROM c WHERE ${where.join(' AND ')} ORDER BY c.seq ${newestFirst ? 'DESC' : 'ASC'}`,
        parameters,
      },
      conversationId,
      MESSAGE,
    );
    const messages = docs.map((d) => d.value);
    return newestFirst ? messages.reverse() : messages;
  }

  /** Edits keep id and seq; an edit of the conversation's last message also updates its preview. */
  async update(conversationId: string, messageId: string, mutate: Mutation<Message>): Promise<Message> {
    const updated = await updateDocument({
      docs: this.conversations,
      id: messageId,
      partitionKey: conversationId,
      kind: MESSAGE,
      missing: () => {
        throw notFound('Message');
      },
      mutate,
      toDoc: (next, current) => {
        if (next.id !== current.id || next.seq !== current.seq) throw conflict('a message keeps its id and seq');
        return messageDoc({ ...next, conversationId });
      },
      busy: () => conflict('the message changed too often to update it; try again', 'MESSAGE.BUSY'),
    });
    if (!updated) throw notFound('Message');
    if (updated.written) await this.seqs.syncConversation(conversationId, messageId, updated.value.seq, 'edit');
    return updated.value;
  }

  /** The WHERE clause and parameters of a search (one conversation's partition: @c). */
  private searchFilter(q: { text: string; from?: string; to?: string }): { where: string[]; base: SqlParameter[] } {
    const where = [
      'c.conversationId = @c',
      "c.docType = 'message'",
      'c.isDeleted = false',
      'CONTAINS(LOWER(c.content), @q)',
    ];
    const base: SqlParameter[] = [{ name: '@q', value: q.text.toLowerCase() }];
    if (q.from !== undefined) {
      where.push('c.createdAt >= @from');
      base.push({ name: '@from', value: q.from });
    }
    if (q.to !== undefined) {
      where.push('c.createdAt <= @to');
      base.push({ name: '@to', value: q.to });
    }
    return { where, base };
  }

  /** One query per conversation (each in its partition, newest first), merged in the domain's search order. */
  async search(conversationIds: string[], q: { text: string; from?: string; to?: string; limit: number }) {
    const limit = Math.floor(q.limit);
    if (limit <= 0 || conversationIds.length === 0) return [];
    const { where, base } = this.searchFilter(q);
    base.push({ name: '@n', value: limit });
    // the ORDER BY is searchOrder (shared/domain/ordering.ts), so TOP keeps each conversation's newest hits
    const query = `SELECT TOP @n * FROM c WHERE ${where.join(' AND ')} ORDER BY c.createdAt DESC, c.seq DESC`;
    const perConversation = await mapLimit(conversationIds, SEARCH_PARALLELISM, (id) =>
      this.conversations.query({ query, parameters: [{ name: '@c', value: id }, ...base] }, id, MESSAGE),
    );
    const hits = perConversation.flat().map((d) => d.value);
    hits.sort(searchOrder);
    return hits.slice(0, limit);
  }

  /** A COUNT per conversation (in its partition), summed: the matches a search page is taken from. */
  async countMatches(conversationIds: string[], q: { text: string; from?: string; to?: string; readerId: string }) {
    if (conversationIds.length === 0) return 0;
    const { where, base } = this.searchFilter(q);
    where.push('NOT ARRAY_CONTAINS(c.hiddenFor, @u)');
    base.push({ name: '@u', value: q.readerId });
    const query = `SELECT VALUE COUNT(1) FROM c WHERE ${where.join(' AND ')}`;
    const counts = await mapLimit(conversationIds, SEARCH_PARALLELISM, (id) =>
      this.conversations.count({ query, parameters: [{ name: '@c', value: id }, ...base] }, id),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }
}
