/**
 * ConversationStore on Cosmos DB (NoSQL API). Same semantics as the memory store; correct on real Cosmos and on
 * `@vercel/cosmosdb-server`, which has no atomic batches, so nothing here relies on one.
 *
 * Data model
 *   conversations (partition /conversationId): the conversation doc (docType 'conversation', id = conversationId),
 *     every message (docType 'message', id = messageIdOf(conversationId, seq)) and idempotency claims (docType
 *     'claim', id = 'cmid:' + clientMessageId; conversation ids are never 'cmid:…', so a claim cannot take the id of a
 *     message or of the conversation). Messages and claims carry the retention `ttl`; the conversation never does.
 *   memberships (partition /userId): one doc per (user, conversation), id = conversationId.
 *   users (partition /userId): one profile doc, id = userId.
 *   Every doc carries `writeId`, a fresh random id per write: after a timeout or a dropped connection a read tells
 *   whether our write landed, so a write is retried without ever being applied twice.
 *
 * Sequence numbers (gap-free 1..N, no duplicate, under any concurrency)
 *   Invariant: every seq <= conversation.lastSeq exists, and a writer only creates message `k` when every seq < k
 *   exists. A seq is taken by CREATING the message doc whose id is derived from it: Cosmos refuses a second create
 *   of the same id in a partition (409), so two writers can never hold one seq, with or without batches.
 *   1. Start at max(conversation.lastSeq + 1, next seq this process handed out for the conversation).
 *   2. Create the message doc. 409 -> that seq is taken (unless the doc carries our writeId: a retried create whose
 *      first attempt landed); re-read lastSeq and try max(lastSeq + 1, tried + 1). Seqs below lastSeq + 1 exist by
 *      the invariant and `tried` exists by the 409, so no attempt ever skips a free seq: no gap.
 *   3. Only after the message exists, move lastSeq / lastMessage / lastMessageAt forward with a conditional patch
 *      (`lastSeq < k`, atomic on the server; on 412 a read confirms someone moved it further, else read + replace
 *      with IfMatch). lastSeq therefore never names a seq that does not exist. A writer that dies between 2 and 3
 *      leaves lastSeq behind, never a gap: the next writer gets 409 on that seq and moves past it.
 *   Within one process appends to one conversation are queued (one create in flight per conversation), so a burst
 *   of sends costs one create per message instead of a storm of 409s; other processes are handled by step 2, with
 *   jittered backoff when collisions repeat. Step 3 is coalesced per conversation: while one update of the
 *   conversation doc runs, the sends finishing meanwhile are covered by one update to the highest of their seqs.
 *   (Measured on cosmosdb-server: 200 concurrent sends with a naive create-and-retry took 17.7 s and 20,100
 *   requests; with the queue about 2 s and ~5 requests per send.)
 *
 * Idempotent send (clientMessageId)
 *   1. Create the claim {seq: null, owner, claimedAt} in the conversation's partition BEFORE taking a seq.
 *   2. Created -> we own the id: take a seq (above), then write the seq into the claim (IfMatch on our claim).
 *      If taking a seq fails, the claim is deleted again (IfMatch) so the client's retry can proceed at once.
 *   3. 409 -> the id was used: read the claim. It names a seq -> return that message, created = false, nothing
 *      written. Still pending -> poll (bounded, ~5 s, then `unavailable` with retry-after: the first send is
 *      still running). Pending for longer than ~30 s -> its writer died: look for a message with this
 *      clientMessageId in the partition (it may have died after creating it) and return it; otherwise take the
 *      claim over with an IfMatch replace (only one taker wins) and send.
 *   Limit: a writer that stalls for more than the takeover age between claiming and creating its message can
 *   race a taker; the takeover age is far above the SDK's request timeout, so that needs a process frozen mid-send.
 *
 * Queries always name the partition key in the WHERE clause (cosmosdb-server ignores the partitionKey option) and
 * use only ORDER BY / TOP / continuation tokens (no OFFSET, DISTINCT, GROUP BY, LIKE).
 */
import { randomUUID } from 'node:crypto';
import type {
  Container,
  CosmosClient,
  ItemDefinition,
  PatchOperation,
  SqlParameter,
  SqlQuerySpec,
} from '@azure/cosmos';
import type { Conversation, Membership, MessagePreview, UserProfile } from '../../domain/conversation.js';
import { AppError, conflict, invalid, notFound } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import { messageIdOf, previewOf } from '../../domain/rules.js';
import type {
  AppendResult,
  ConversationStore,
  MembershipFilter,
  MembershipPage,
  Mutation,
  NewMessage,
} from '../../ports/store.js';
import { backoffMs, isTransient, sleep, statusOf, toStoreError } from './cosmos-errors.js';
import { badToken, fingerprintOf, unwrapToken, wrapToken } from './cosmos-paging.js';
import { type CosmosContainerNames, type CosmosContainers, ensureCosmosContainers } from './cosmos-setup.js';

export interface CosmosStoreOptions {
  client: CosmosClient;
  databaseId: string;
  containers: CosmosContainerNames;
  timing?: {
    /** How long a duplicate send waits for the first one to finish (default 5 s). */
    claimWaitMs?: number;
    /** Age after which a pending claim counts as abandoned and may be taken over (default 30 s). */
    staleClaimMs?: number;
  };
}

interface Meta {
  _etag: string;
  _ts: number;
}

interface ConversationDoc extends Conversation {
  conversationId: string;
  docType: 'conversation';
  writeId: string;
}

interface MessageDoc extends Message {
  docType: 'message';
  writeId: string;
}

interface ClaimDoc {
  id: string;
  conversationId: string;
  docType: 'claim';
  clientMessageId: string;
  seq: number | null;
  owner: string;
  claimedAt: string;
  writeId: string;
  ttl?: number;
}

interface MembershipDoc extends Membership {
  id: string;
  writeId: string;
}

interface ProfileDoc extends UserProfile {
  id: string;
  writeId: string;
}

interface Doc {
  id: string;
  writeId: string;
}

type Stored<T> = T & Meta;
type CreateOutcome<T> = { created: true; etag: string } | { created: false; existing: Stored<T> | null };
type ClaimOutcome = { kind: 'owned'; doc: ClaimDoc; etag: string } | { kind: 'done'; message: Message };

const TRANSIENT_ATTEMPTS = 5;
const OCC_ATTEMPTS = 100;
const SEQ_ATTEMPTS = 2_000;
const SEARCH_PARALLELISM = 8;
const MEMBER_PARALLELISM = 16;
const HINTS_MAX = 10_000;

const HIDDEN = new Set(['_rid', '_etag', '_ts', '_self', '_attachments', '_lsn', 'docType', 'writeId']);

function without<T>(doc: object, extra: readonly string[] = []): T {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !HIDDEN.has(k) && !extra.includes(k))) as T;
}
const toConversation = (doc: object): Conversation => without<Conversation>(doc, ['conversationId']);
const toMessage = (doc: object): Message => without<Message>(doc);
const toMembership = (doc: object): Membership => without<Membership>(doc, ['id']);
const toProfile = (doc: object): UserProfile => without<UserProfile>(doc, ['id']);
const copy = <T>(v: T): T => structuredClone(v);

const claimIdOf = (clientMessageId: string): string => `cmid:${clientMessageId}`;

function previewRecord(m: Message): MessagePreview {
  return { id: m.id, seq: m.seq, senderId: m.senderId, type: m.type, preview: previewOf(m), createdAt: m.createdAt };
}

/**
 * A patch condition. Written with a line break after `FROM c` on purpose: Cosmos parses it like any query, while
 * cosmosdb-server 1.0.1 lower-cases a condition that starts with exactly "from c where " (c.lastSeq would become
 * c.lastseq and never match, so every conditional patch failed with 412); in this form it evaluates it as written.
 */
const conditionOf = (where: string): string => `FROM c\nWHERE ${where}`;

/** What may go into a patch condition as a literal: an ISO 8601 instant, nothing that could end the string. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Pinned first, then newest activity first; the conversation id breaks ties (same as the memory store's inboxOrder). */
const INBOX_ORDER = 'ORDER BY c.pinned DESC, c.lastActivityAt DESC, c.conversationId ASC';

/**
 * Coalesces "move the conversation to message k" per conversation: while one update runs, later requests wait and
 * are served together by one update to the highest of them. Moving lastSeq to m covers every k < m (m exists, so
 * by the invariant every seq below it does, and m is the newer last message), so a burst of sends in a group costs a
 * few writes to the conversation doc instead of one each.
 */
class AdvanceQueue {
  private readonly lanes = new Map<
    string,
    { pending: Message | null; next: Promise<void> | null; active: Promise<void> | null }
  >();

  constructor(private readonly advance: (message: Message) => Promise<void>) {}

  submit(conversationId: string, message: Message): Promise<void> {
    let lane = this.lanes.get(conversationId);
    if (!lane) {
      lane = { pending: null, next: null, active: null };
      this.lanes.set(conversationId, lane);
    }
    if (lane.pending === null || message.seq > lane.pending.seq) lane.pending = message;
    if (lane.next !== null) return lane.next;
    const l = lane;
    const next = (async () => {
      // always yields first, so `l.next` is assigned before it is cleared below
      await (l.active ?? Promise.resolve()).catch(() => undefined);
      const target = l.pending as Message;
      l.pending = null;
      l.next = null;
      const run = this.advance(target);
      l.active = run;
      try {
        await run;
      } finally {
        if (l.active === run) l.active = null;
        if (l.active === null && l.next === null && l.pending === null) this.lanes.delete(conversationId);
      }
    })();
    l.next = next;
    return next;
  }
}

/** Runs one async task at a time per key (appends to one conversation within this process). */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export class CosmosConversationStore implements ConversationStore {
  private readonly conversations: Container;
  private readonly memberships: Container;
  private readonly users: Container;
  private readonly claimWaitMs: number;
  private readonly staleClaimMs: number;
  private readonly appendQueue = new KeyedQueue();
  private readonly advanceQueue = new AdvanceQueue((message) => this.advance(message));
  /** Next seq this process would try per conversation; only a starting point, the create decides. */
  private readonly seqHints = new Map<string, number>();
  /** Cleared if the server rejects conditional patches; then lastSeq moves with read + IfMatch replace. */
  private conditionalPatch = true;

  constructor(private readonly options: CosmosStoreOptions) {
    const database = options.client.database(options.databaseId);
    this.conversations = database.container(options.containers.conversations);
    this.memberships = database.container(options.containers.memberships);
    this.users = database.container(options.containers.users);
    this.claimWaitMs = options.timing?.claimWaitMs ?? 5_000;
    this.staleClaimMs = options.timing?.staleClaimMs ?? 30_000;
  }

  /** Ensures the database and containers exist (created with partition keys, TTL on and the indexes), then builds the store. */
  static async create(options: CosmosStoreOptions): Promise<CosmosConversationStore> {
    const store = new CosmosConversationStore(options);
    await store.init();
    return store;
  }

  async init(): Promise<CosmosContainers> {
    return ensureCosmosContainers(this.options.client, this.options.databaseId, this.options.containers);
  }

  // ---------------------------------------------------------------- conversations

  createConversation(
    conversation: Conversation,
    memberships: Membership[],
  ): Promise<{ conversation: Conversation; created: boolean }> {
    return this.guard(async () => {
      const doc: ConversationDoc = {
        ...copy(conversation),
        conversationId: conversation.id,
        docType: 'conversation',
        writeId: randomUUID(),
      };
      const outcome = await this.createDoc(this.conversations, doc, conversation.id);
      if (!outcome.created) {
        const existing =
          outcome.existing ??
          (await this.readDoc<ConversationDoc>(this.conversations, conversation.id, conversation.id));
        if (!existing || existing.docType !== 'conversation')
          throw conflict('the conversation id is taken', 'CONVERSATION.ID_TAKEN');
        return { conversation: toConversation(existing), created: false };
      }
      await Promise.all(memberships.map((m) => this.writeMembership(m)));
      return { conversation: toConversation(doc), created: true };
    });
  }

  getConversation(conversationId: string): Promise<Conversation | null> {
    return this.guard(async () => {
      const doc = await this.readConversation(conversationId);
      return doc ? toConversation(doc) : null;
    });
  }

  updateConversation(conversationId: string, mutate: Mutation<Conversation>): Promise<Conversation> {
    return this.guard(async () => {
      for (let attempt = 0; attempt < OCC_ATTEMPTS; attempt++) {
        const current = await this.readConversation(conversationId);
        if (!current) throw notFound('Conversation');
        const next = mutate(toConversation(current));
        if (!next) return toConversation(current);
        // why: seq, last message and its time move only with appendMessage, whatever the mutation returned
        const doc: ConversationDoc = {
          ...copy(next),
          id: conversationId,
          conversationId,
          docType: 'conversation',
          lastSeq: current.lastSeq,
          lastMessage: current.lastMessage,
          lastMessageAt: current.lastMessageAt,
          writeId: randomUUID(),
        };
        if ((await this.replaceDoc(this.conversations, doc, conversationId, current._etag)) !== null)
          return toConversation(doc);
        await sleep(backoffMs(attempt, 5, 200));
      }
      throw conflict('the conversation changed too often to update it; try again', 'CONVERSATION.BUSY');
    });
  }

  // ---------------------------------------------------------------- messages

  appendMessage(input: NewMessage): Promise<AppendResult> {
    return this.guard(async () => {
      const conversationId = input.conversationId;
      const conversation = await this.readConversation(conversationId);
      if (!conversation) throw notFound('Conversation');

      let claim: Extract<ClaimOutcome, { kind: 'owned' }> | null = null;
      if (input.clientMessageId !== null) {
        const outcome = await this.claim(conversationId, input.clientMessageId, input.ttl);
        if (outcome.kind === 'done') {
          // why: the first writer may have stopped before moving lastSeq; moving it now keeps the conversation current
          if (conversation.lastSeq < outcome.message.seq) await this.advanceQuietly(outcome.message);
          return { message: outcome.message, created: false };
        }
        claim = outcome;
      }

      let message: Message;
      try {
        message = await this.appendQueue.run(conversationId, () => this.takeSeq(conversation.lastSeq, input));
      } catch (err) {
        if (claim) await this.releaseClaim(claim);
        throw err;
      }
      if (claim) await this.completeClaim(claim, message.seq);
      await this.advanceQuietly(message);
      return { message: copy(message), created: true };
    });
  }

  getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    return this.guard(async () => {
      const doc = await this.readMessage(conversationId, messageId);
      return doc ? toMessage(doc) : null;
    });
  }

  listMessages(
    conversationId: string,
    range: { afterSeq?: number; beforeSeq?: number; limit: number },
  ): Promise<Message[]> {
    return this.guard(async () => {
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
      const docs = await this.queryAll<MessageDoc>(
        this.conversations,
        {
          query: `SELECT TOP @n * FROM c WHERE ${where.join(' AND ')} ORDER BY c.seq ${newestFirst ? 'DESC' : 'ASC'}`,
          parameters,
        },
        conversationId,
      );
      const messages = docs.map(toMessage);
      return newestFirst ? messages.reverse() : messages;
    });
  }

  updateMessage(conversationId: string, messageId: string, mutate: Mutation<Message>): Promise<Message> {
    return this.guard(async () => {
      for (let attempt = 0; attempt < OCC_ATTEMPTS; attempt++) {
        const current = await this.readMessage(conversationId, messageId);
        if (!current) throw notFound('Message');
        const next = mutate(toMessage(current));
        if (!next) return toMessage(current);
        if (next.id !== current.id || next.seq !== current.seq) throw conflict('a message keeps its id and seq');
        const doc: MessageDoc = { ...copy(next), conversationId, docType: 'message', writeId: randomUUID() };
        if ((await this.replaceDoc(this.conversations, doc, conversationId, current._etag)) !== null) {
          await this.syncConversation(conversationId, doc.id, doc.seq, 'edit');
          return toMessage(doc);
        }
        await sleep(backoffMs(attempt, 5, 200));
      }
      throw conflict('the message changed too often to update it; try again', 'MESSAGE.BUSY');
    });
  }

  searchMessages(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; limit: number },
  ): Promise<Message[]> {
    return this.guard(async () => {
      const limit = Math.floor(q.limit);
      if (limit <= 0 || conversationIds.length === 0) return [];
      const where = [
        'c.conversationId = @c',
        "c.docType = 'message'",
        'c.isDeleted = false',
        'CONTAINS(LOWER(c.content), @q)',
      ];
      const base: SqlParameter[] = [
        { name: '@q', value: q.text.toLowerCase() },
        { name: '@n', value: limit },
      ];
      if (q.from !== undefined) {
        where.push('c.createdAt >= @from');
        base.push({ name: '@from', value: q.from });
      }
      if (q.to !== undefined) {
        where.push('c.createdAt <= @to');
        base.push({ name: '@to', value: q.to });
      }
      const query = `SELECT TOP @n * FROM c WHERE ${where.join(' AND ')} ORDER BY c.createdAt DESC, c.seq DESC`;
      const perConversation = await mapLimit(conversationIds, SEARCH_PARALLELISM, (id) =>
        this.queryAll<MessageDoc>(this.conversations, { query, parameters: [{ name: '@c', value: id }, ...base] }, id),
      );
      // each list is newest first already; a stable sort of the concatenation merges them like the memory store
      const hits = perConversation.flat().map(toMessage);
      hits.sort((a, b) => (a.createdAt === b.createdAt ? b.seq - a.seq : a.createdAt < b.createdAt ? 1 : -1));
      return hits.slice(0, limit);
    });
  }

  // ---------------------------------------------------------------- memberships

  getMembership(userId: string, conversationId: string): Promise<Membership | null> {
    return this.guard(async () => {
      const doc = await this.readDoc<MembershipDoc>(this.memberships, conversationId, userId);
      return doc ? toMembership(doc) : null;
    });
  }

  putMembership(membership: Membership): Promise<void> {
    return this.guard(() => this.writeMembership(membership));
  }

  updateMembership(userId: string, conversationId: string, mutate: Mutation<Membership>): Promise<Membership | null> {
    return this.guard(async () => {
      for (let attempt = 0; attempt < OCC_ATTEMPTS; attempt++) {
        const current = await this.readDoc<MembershipDoc>(this.memberships, conversationId, userId);
        if (!current) return null;
        const next = mutate(toMembership(current));
        if (!next) return toMembership(current);
        const doc: MembershipDoc = { ...copy(next), userId, conversationId, id: conversationId, writeId: randomUUID() };
        if ((await this.replaceDoc(this.memberships, doc, userId, current._etag)) !== null) return toMembership(doc);
        await sleep(backoffMs(attempt, 5, 200));
      }
      throw conflict('the membership changed too often to update it; try again', 'MEMBERSHIP.BUSY');
    });
  }

  deleteMembership(userId: string, conversationId: string): Promise<void> {
    return this.guard(async () => {
      try {
        await this.retrying(() => this.memberships.item(conversationId, userId).delete());
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    });
  }

  advanceMemberships(
    conversationId: string,
    userIds: string[],
    message: { seq: number; at: string; senderId: string },
  ): Promise<void> {
    return this.guard(async () => {
      if (!ISO_INSTANT.test(message.at)) throw invalid('at must be an ISO 8601 date-time');
      await mapLimit([...new Set(userIds)], MEMBER_PARALLELISM, (userId) =>
        this.advanceMembership(userId, conversationId, message),
      );
    });
  }

  /**
   * Each field moves forward with its own server-side condition (a conditional patch is atomic), so concurrent sends
   * and reads never lose an update and nothing loops on ETags. Usually all of them move: one patch does it all.
   */
  private async advanceMembership(
    userId: string,
    conversationId: string,
    message: { seq: number; at: string; senderId: string },
  ): Promise<void> {
    const { seq, at } = message;
    const parts: { operations: PatchOperation[]; condition: string }[] = [
      { operations: [{ op: 'set', path: '/lastSeq', value: seq }], condition: `c.lastSeq < ${seq}` },
      { operations: [{ op: 'set', path: '/lastActivityAt', value: at }], condition: `c.lastActivityAt < '${at}'` },
    ];
    if (userId === message.senderId) {
      parts.push({
        operations: [
          { op: 'set', path: '/lastReadSeq', value: seq },
          { op: 'set', path: '/lastReadAt', value: at },
          { op: 'set', path: '/draft', value: null },
        ],
        condition: `c.lastReadSeq < ${seq}`,
      });
    }
    if (this.conditionalPatch) {
      const all = await this.patchIf(
        this.memberships,
        conversationId,
        userId,
        parts.flatMap((p) => p.operations),
        parts.map((p) => p.condition).join(' AND '),
      );
      if (all !== 'precondition' && all !== 'unsupported') return;
      if (all === 'precondition') {
        const each = await Promise.all(
          parts.map((p) => this.patchIf(this.memberships, conversationId, userId, p.operations, p.condition)),
        );
        if (!each.includes('unsupported')) return;
      }
    }
    await this.updateMembership(userId, conversationId, (m) => {
      const mine = userId === message.senderId && m.lastReadSeq < seq;
      if (m.lastSeq >= seq && m.lastActivityAt >= at && !mine) return null;
      return {
        ...m,
        lastSeq: Math.max(m.lastSeq, seq),
        lastActivityAt: m.lastActivityAt < at ? at : m.lastActivityAt,
        ...(mine && { lastReadSeq: seq, lastReadAt: at, draft: null }),
      };
    });
  }

  listMemberships(
    userId: string,
    filter: MembershipFilter,
    page: { pageSize: number; continuationToken?: string },
  ): Promise<MembershipPage> {
    return this.guard(async () => {
      const where = ['c.userId = @u'];
      const parameters: SqlParameter[] = [{ name: '@u', value: userId }];
      if (filter.type !== undefined) {
        where.push('c.conversationType = @t');
        parameters.push({ name: '@t', value: filter.type });
      }
      if (filter.archived !== undefined) {
        where.push('c.archived = @a');
        parameters.push({ name: '@a', value: filter.archived });
      }
      const spec: SqlQuerySpec = { query: `SELECT * FROM c WHERE ${where.join(' AND ')} ${INBOX_ORDER}`, parameters };
      const fingerprint = fingerprintOf({ userId, type: filter.type ?? null, archived: filter.archived ?? null });
      const pageSize = Math.max(1, Math.floor(page.pageSize));

      let sdkToken =
        page.continuationToken === undefined ? undefined : unwrapToken(page.continuationToken, fingerprint);
      const items: Membership[] = [];
      // why: a server may return fewer items than asked for (or none) with a token; keep reading until the page is full
      while (items.length < pageSize) {
        const result = await this.fetchMemberships(spec, userId, pageSize - items.length, sdkToken);
        items.push(...result.resources.map(toMembership));
        sdkToken = result.continuationToken ?? undefined;
        if (sdkToken === undefined) break;
      }
      return { items, continuationToken: sdkToken === undefined ? null : wrapToken(fingerprint, sdkToken) };
    });
  }

  private async fetchMemberships(
    spec: SqlQuerySpec,
    userId: string,
    maxItemCount: number,
    continuationToken: string | undefined,
  ) {
    try {
      return await this.retrying(() =>
        this.memberships.items
          .query<MembershipDoc>(spec, { partitionKey: userId, maxItemCount, continuationToken })
          .fetchNext(),
      );
    } catch (err) {
      // a token we issued never fails this way; a forged inner token does (400, or the SDK cannot parse it)
      if (continuationToken !== undefined && (statusOf(err) === 400 || statusOf(err) === undefined)) throw badToken();
      throw err;
    }
  }

  allMemberships(userId: string): Promise<Membership[]> {
    return this.guard(async () => {
      const docs = await this.queryAll<MembershipDoc>(
        this.memberships,
        { query: 'SELECT * FROM c WHERE c.userId = @u', parameters: [{ name: '@u', value: userId }] },
        userId,
      );
      return docs.map(toMembership);
    });
  }

  // ---------------------------------------------------------------- profiles

  getProfile(userId: string): Promise<UserProfile> {
    return this.guard(async () => {
      const doc = await this.readDoc<ProfileDoc>(this.users, userId, userId);
      return doc ? toProfile(doc) : { userId, blocked: [] };
    });
  }

  updateProfile(userId: string, mutate: Mutation<UserProfile>): Promise<UserProfile> {
    return this.guard(async () => {
      for (let attempt = 0; attempt < OCC_ATTEMPTS; attempt++) {
        const current = await this.readDoc<ProfileDoc>(this.users, userId, userId);
        const next = mutate(current ? toProfile(current) : { userId, blocked: [] });
        if (!next) return current ? toProfile(current) : { userId, blocked: [] };
        const doc: ProfileDoc = { ...copy(next), userId, id: userId, writeId: randomUUID() };
        const written = current
          ? (await this.replaceDoc(this.users, doc, userId, current._etag)) !== null
          : (await this.createDoc(this.users, doc, userId)).created;
        if (written) return toProfile(doc);
        await sleep(backoffMs(attempt, 5, 200));
      }
      throw conflict('the profile changed too often to update it; try again', 'PROFILE.BUSY');
    });
  }

  // ---------------------------------------------------------------- append internals

  /** Takes the next free seq by creating the message doc (see the protocol at the top). Runs queued per conversation. */
  private async takeSeq(lastSeq: number, input: NewMessage): Promise<Message> {
    const conversationId = input.conversationId;
    let seq = Math.max(lastSeq + 1, this.seqHints.get(conversationId) ?? 1);
    for (let attempt = 0; attempt < SEQ_ATTEMPTS; attempt++) {
      const doc: MessageDoc = {
        ...copy(input),
        id: messageIdOf(conversationId, seq),
        seq,
        docType: 'message',
        writeId: randomUUID(),
      };
      const outcome = await this.createDoc(this.conversations, doc, conversationId);
      if (outcome.created) {
        this.hint(conversationId, seq + 1);
        return toMessage(doc);
      }
      const latest = await this.readConversation(conversationId);
      if (!latest) throw notFound('Conversation');
      seq = Math.max(latest.lastSeq + 1, seq + 1);
      // why: another process is sending to this conversation too; from the second collision on, step aside briefly
      if (attempt > 0) await sleep(backoffMs(attempt, 2, 50));
    }
    throw new AppError(
      'unavailable',
      'MESSAGE.SEQ_CONTENTION',
      'too many concurrent sends to this conversation; try again',
      { retryAfterSeconds: 1 },
    );
  }

  private hint(conversationId: string, nextSeq: number): void {
    this.seqHints.delete(conversationId);
    this.seqHints.set(conversationId, nextSeq);
    if (this.seqHints.size > HINTS_MAX) {
      const oldest = this.seqHints.keys().next();
      if (oldest.done !== true) this.seqHints.delete(oldest.value);
    }
  }

  /** Claims a clientMessageId for this send, or finds the message of the send that claimed it first. */
  private async claim(conversationId: string, clientMessageId: string, ttl: number | undefined): Promise<ClaimOutcome> {
    const id = claimIdOf(clientMessageId);
    const deadline = Date.now() + this.claimWaitMs;
    for (let attempt = 0; ; attempt++) {
      const owner = randomUUID();
      const doc: ClaimDoc = {
        id,
        conversationId,
        docType: 'claim',
        clientMessageId,
        seq: null,
        owner,
        claimedAt: new Date().toISOString(),
        writeId: owner,
        ...(ttl !== undefined && { ttl }),
      };
      const outcome = await this.createDoc(this.conversations, doc, conversationId);
      if (outcome.created) return { kind: 'owned', doc, etag: outcome.etag };

      const existing = outcome.existing ?? (await this.readDoc<ClaimDoc>(this.conversations, id, conversationId));
      if (existing && existing.docType !== 'claim')
        throw conflict('clientMessageId clashes with another document', 'MESSAGE.CLIENT_ID_CLASH');
      if (existing?.seq !== null && existing?.seq !== undefined) {
        const first = await this.readMessage(conversationId, messageIdOf(conversationId, existing.seq));
        if (first) return { kind: 'done', message: toMessage(first) };
        throw conflict(
          'the message sent with this clientMessageId is gone (retention); use a new clientMessageId',
          'MESSAGE.CLIENT_ID_EXPIRED',
        );
      }
      if (existing && Date.now() - Date.parse(existing.claimedAt) > this.staleClaimMs) {
        const taken = await this.takeOver(existing, clientMessageId);
        if (taken) return taken;
        continue;
      }
      if (Date.now() >= deadline) {
        throw new AppError(
          'unavailable',
          'MESSAGE.SEND_IN_PROGRESS',
          `a message with clientMessageId ${clientMessageId} is still being stored; retry shortly`,
          {
            retryAfterSeconds: 1,
          },
        );
      }
      // existing === null: the claim was released by a send that failed; the next round claims it at once
      if (existing !== null) await sleep(Math.min(250, 10 * 2 ** Math.min(attempt, 5)));
    }
  }

  /** An abandoned pending claim: find the message its writer may have stored, else take the claim over (one taker wins). */
  private async takeOver(existing: Stored<ClaimDoc>, clientMessageId: string): Promise<ClaimOutcome | null> {
    const conversationId = existing.conversationId;
    const [found] = await this.queryAll<MessageDoc>(
      this.conversations,
      {
        query:
          "SELECT TOP 1 * FROM c WHERE c.conversationId = @c AND c.docType = 'message' AND c.clientMessageId = @m ORDER BY c.seq ASC",
        parameters: [
          { name: '@c', value: conversationId },
          { name: '@m', value: clientMessageId },
        ],
      },
      conversationId,
    );
    const base = without<ClaimDoc>(existing);
    if (found) {
      await this.replaceDoc(
        this.conversations,
        { ...base, seq: found.seq, docType: 'claim', writeId: randomUUID() },
        conversationId,
        existing._etag,
      );
      return { kind: 'done', message: toMessage(found) };
    }
    const owner = randomUUID();
    const doc: ClaimDoc = { ...base, docType: 'claim', owner, writeId: owner, claimedAt: new Date().toISOString() };
    const etag = await this.replaceDoc(this.conversations, doc, conversationId, existing._etag);
    return etag === null ? null : { kind: 'owned', doc, etag };
  }

  private async completeClaim(claim: Extract<ClaimOutcome, { kind: 'owned' }>, seq: number): Promise<void> {
    try {
      // null (stale) means someone took the claim over; it finds our message by its clientMessageId
      await this.replaceDoc(
        this.conversations,
        { ...claim.doc, seq, writeId: randomUUID() },
        claim.doc.conversationId,
        claim.etag,
      );
    } catch (err) {
      // the message is stored; a claim left pending is resolved by the takeover, so the send still succeeds
      if (!isQuiet(err)) throw err;
    }
  }

  private async releaseClaim(claim: Extract<ClaimOutcome, { kind: 'owned' }>): Promise<void> {
    try {
      await this.conversations
        .item(claim.doc.id, claim.doc.conversationId)
        .delete({ accessCondition: { type: 'IfMatch', condition: claim.etag } });
    } catch {
      // best effort: a claim left behind is taken over once it is stale
    }
  }

  /** Moves lastSeq / lastMessage forward to this message unless it is there already; never fails a stored send for a busy database. */
  private async advanceQuietly(message: Message): Promise<void> {
    try {
      await this.advanceQueue.submit(message.conversationId, message);
    } catch (err) {
      // lastSeq stays behind, which the invariant allows; the next send or edit of the conversation moves it
      if (!isQuiet(err)) throw err;
    }
  }

  private async advance(message: Message): Promise<void> {
    const conversationId = message.conversationId;
    if (this.conditionalPatch) {
      const operations: PatchOperation[] = [
        { op: 'set', path: '/lastSeq', value: message.seq },
        { op: 'set', path: '/lastMessage', value: previewRecord(message) },
        { op: 'set', path: '/lastMessageAt', value: message.createdAt },
      ];
      const outcome = await this.patchIf(
        this.conversations,
        conversationId,
        conversationId,
        operations,
        `c.lastSeq < ${message.seq}`,
      );
      if (outcome === 'patched') return;
      if (outcome === 'missing') throw notFound('Conversation');
    }
    // 412: usually someone moved lastSeq further already, which the sync confirms with a read
    await this.syncConversation(conversationId, message.id, message.seq, 'append');
  }

  /**
   * Read + IfMatch replace of the conversation so that it shows this message: lastSeq/lastMessage when it is behind,
   * and after an edit the preview when this is the last message. The message is re-read after the conversation so a
   * later edit's own sync always writes the newest preview.
   */
  private async syncConversation(
    conversationId: string,
    messageId: string,
    seq: number,
    reason: 'append' | 'edit',
  ): Promise<void> {
    for (let attempt = 0; attempt < OCC_ATTEMPTS; attempt++) {
      const conversation = await this.readConversation(conversationId);
      if (!conversation) return;
      const behind = conversation.lastSeq < seq;
      if (!behind && !(reason === 'edit' && conversation.lastMessage?.id === messageId)) return;
      const message = await this.readMessage(conversationId, messageId);
      if (!message) return;
      const base = without<ConversationDoc>(conversation);
      const doc: ConversationDoc = behind
        ? {
            ...base,
            docType: 'conversation',
            lastSeq: seq,
            lastMessage: previewRecord(message),
            lastMessageAt: message.createdAt,
            writeId: randomUUID(),
          }
        : {
            ...base,
            docType: 'conversation',
            lastMessage: { ...(conversation.lastMessage as MessagePreview), preview: previewOf(message) },
            writeId: randomUUID(),
          };
      if ((await this.replaceDoc(this.conversations, doc, conversationId, conversation._etag)) !== null) return;
      await sleep(backoffMs(attempt, 5, 200));
    }
    throw conflict('the conversation changed too often; try again', 'CONVERSATION.BUSY');
  }

  // ---------------------------------------------------------------- document primitives

  private async readConversation(conversationId: string): Promise<Stored<ConversationDoc> | null> {
    const doc = await this.readDoc<ConversationDoc>(this.conversations, conversationId, conversationId);
    return doc?.docType === 'conversation' ? doc : null;
  }

  private async readMessage(conversationId: string, messageId: string): Promise<Stored<MessageDoc> | null> {
    const doc = await this.readDoc<MessageDoc>(this.conversations, messageId, conversationId);
    return doc?.docType === 'message' ? doc : null;
  }

  private async readDoc<T>(container: Container, id: string, partitionKey: string): Promise<Stored<T> | null> {
    const response = await this.retrying(() => container.item(id, partitionKey).read<ItemDefinition>());
    return response.resource ? (response.resource as unknown as Stored<T>) : null;
  }

  private async queryAll<T>(container: Container, spec: SqlQuerySpec, partitionKey: string): Promise<Stored<T>[]> {
    const response = await this.retrying(() => container.items.query<Stored<T>>(spec, { partitionKey }).fetchAll());
    return response.resources;
  }

  /**
   * Creates the doc. 409, or a failure after which the create may have landed: a read decides, because only our
   * write carries our writeId. Returns the doc found in the way when the id was taken by someone else.
   */
  private async createDoc<T extends Doc>(
    container: Container,
    doc: T,
    partitionKey: string,
  ): Promise<CreateOutcome<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await container.items.create<ItemDefinition>(doc);
        return { created: true, etag: response.resource?._etag ?? response.etag };
      } catch (err) {
        const status = statusOf(err);
        if (status !== 409 && !(isTransient(err) && attempt < TRANSIENT_ATTEMPTS)) throw err;
        const now = await this.readDoc<T>(container, doc.id, partitionKey);
        if (now?.writeId === doc.writeId) return { created: true, etag: now._etag };
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
  private async replaceDoc<T extends Doc>(
    container: Container,
    doc: T,
    partitionKey: string,
    etag: string,
  ): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await container
          .item(doc.id, partitionKey)
          .replace<ItemDefinition>(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
        return response.etag;
      } catch (err) {
        const status = statusOf(err);
        if (status === 412 || status === 404) return null;
        if (!isTransient(err) || attempt >= TRANSIENT_ATTEMPTS) throw err;
        const now = await this.readDoc<T>(container, doc.id, partitionKey);
        if (now?.writeId === doc.writeId) return now._etag;
        if (!now || now._etag !== etag) return null;
        await sleep(backoffMs(attempt, 50, 2_000));
      }
    }
  }

  /**
   * Patch applied only where `where` holds (evaluated atomically by the server). Idempotent, so retried as it is.
   * 'unsupported' = the server rejected the condition (400); the caller then falls back to read + IfMatch replace.
   */
  private async patchIf(
    container: Container,
    id: string,
    partitionKey: string,
    operations: PatchOperation[],
    where: string,
  ): Promise<'patched' | 'precondition' | 'missing' | 'unsupported'> {
    try {
      await this.retrying(() =>
        container.item(id, partitionKey).patch({
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
        this.conditionalPatch = false;
        return 'unsupported';
      }
      throw err;
    }
  }

  private async writeMembership(membership: Membership): Promise<void> {
    const doc: MembershipDoc = { ...copy(membership), id: membership.conversationId, writeId: randomUUID() };
    // an upsert is idempotent, so it is retried after a timeout as it is
    await this.retrying(() => this.memberships.items.upsert<ItemDefinition>(doc));
  }

  /** Retries an idempotent request after a transient failure (timeouts, dropped connections, 503), with backoff. */
  private async retrying<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request();
      } catch (err) {
        if (!isTransient(err) || attempt >= TRANSIENT_ATTEMPTS) throw err;
        await sleep(backoffMs(attempt, 50, 2_000));
      }
    }
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw toStoreError(err);
    }
  }
}

/** Failures that may leave a stored send's bookkeeping behind without failing the send. */
const isQuiet = (err: unknown): boolean =>
  isTransient(err) || statusOf(err) === 429 || (err instanceof AppError && err.kind === 'unavailable');
