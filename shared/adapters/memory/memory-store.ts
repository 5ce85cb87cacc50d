import type { Conversation, Membership, UserProfile } from '../../domain/conversation.js';
import { conflict, invalid, notFound } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import { inboxOrder, searchOrder } from '../../domain/ordering.js';
import { messageIdOf, previewOf, seqOfMessageId } from '../../domain/rules.js';
import type {
  AppendResult,
  ConversationStore,
  MembershipFilter,
  MembershipPage,
  Mutation,
  NewMessage,
} from '../../ports/store.js';

interface ConversationRecord {
  conversation: Conversation;
  /** By seq; retention deletes some, so seqs may have holes at the start (never a reused seq). */
  messages: Map<number, Message>;
  /** seq by sender + clientMessageId (idempotency is per sender). */
  byClientId: Map<string, number>;
}

/** A deep copy, so callers never share the store's objects; plain data by hand (structuredClone is ~4× slower). */
const copy = <T>(v: T): T => clonePlain(v) as T;
function clonePlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clonePlain);
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = clonePlain(x);
  return out;
}
const clientKey = (senderId: string, clientMessageId: string): string => `${senderId}\u0000${clientMessageId}`;

/**
 * In-process store with the same guarantees as the Cosmos adapter. Every method does its check-and-write
 * without an await in between, so on one event loop each is atomic; callers get copies, never live objects.
 */
export class MemoryConversationStore implements ConversationStore {
  private readonly conversations = new Map<string, ConversationRecord>();
  /** userId → conversationId → membership: a user's memberships without a scan of everyone's (connect, inbox). */
  private readonly memberships = new Map<string, Map<string, Membership>>();
  private readonly profiles = new Map<string, UserProfile>();
  private retentionCursor: string | null = null;
  readonly enforcesTtl = false;

  createConversation(
    conversation: Conversation,
    memberships: Membership[],
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const existing = this.conversations.get(conversation.id);
    if (existing) return Promise.resolve({ conversation: copy(existing.conversation), created: false });
    this.conversations.set(conversation.id, {
      conversation: copy(conversation),
      messages: new Map(),
      byClientId: new Map(),
    });
    for (const m of memberships) this.setMembership(copy(m));
    return Promise.resolve({ conversation: copy(conversation), created: true });
  }

  getConversation(conversationId: string): Promise<Conversation | null> {
    const rec = this.conversations.get(conversationId);
    return Promise.resolve(rec ? copy(rec.conversation) : null);
  }

  lastSeqs(conversationIds: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const id of conversationIds) {
      const rec = this.conversations.get(id);
      if (rec) out[id] = rec.conversation.lastSeq;
    }
    return Promise.resolve(out);
  }

  updateConversation(conversationId: string, mutate: Mutation<Conversation>): Promise<Conversation> {
    const rec = this.conversations.get(conversationId);
    if (!rec) return Promise.reject(notFound('Conversation'));
    const next = mutate(copy(rec.conversation));
    if (next)
      rec.conversation = {
        ...copy(next),
        lastSeq: rec.conversation.lastSeq,
        lastMessage: rec.conversation.lastMessage,
        lastMessageAt: rec.conversation.lastMessageAt,
      };
    return Promise.resolve(copy(rec.conversation));
  }

  appendMessage(input: NewMessage): Promise<AppendResult> {
    const rec = this.conversations.get(input.conversationId);
    if (!rec) return Promise.reject(notFound('Conversation'));
    if (input.clientMessageId !== null) {
      const seq = rec.byClientId.get(clientKey(input.senderId, input.clientMessageId));
      const first = seq === undefined ? undefined : rec.messages.get(seq);
      if (first) return Promise.resolve({ message: copy(first), created: false });
    }
    const seq = rec.conversation.lastSeq + 1;
    const message: Message = { ...copy(input), id: messageIdOf(input.conversationId, seq), seq };
    rec.messages.set(seq, message);
    if (message.clientMessageId !== null) rec.byClientId.set(clientKey(message.senderId, message.clientMessageId), seq);
    rec.conversation.lastSeq = seq;
    rec.conversation.lastMessageAt = message.createdAt;
    rec.conversation.lastMessage = {
      id: message.id,
      seq,
      senderId: message.senderId,
      type: message.type,
      preview: previewOf(message),
      createdAt: message.createdAt,
    };
    return Promise.resolve({ message: copy(message), created: true });
  }

  findByClientMessageId(conversationId: string, senderId: string, clientMessageId: string): Promise<Message | null> {
    const rec = this.conversations.get(conversationId);
    const seq = rec?.byClientId.get(clientKey(senderId, clientMessageId));
    const found = seq === undefined ? undefined : rec?.messages.get(seq);
    return Promise.resolve(found ? copy(found) : null);
  }

  private find(conversationId: string, messageId: string): Message | undefined {
    const seq = seqOfMessageId(conversationId, messageId);
    return seq === null ? undefined : this.conversations.get(conversationId)?.messages.get(seq);
  }

  getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    const found = this.find(conversationId, messageId);
    return Promise.resolve(found ? copy(found) : null);
  }

  listMessages(
    conversationId: string,
    range: { afterSeq?: number; beforeSeq?: number; limit: number },
  ): Promise<Message[]> {
    const after = range.afterSeq ?? 0;
    const all = [...(this.conversations.get(conversationId)?.messages.values() ?? [])].filter((m) => m.seq > after);
    const page =
      range.beforeSeq === undefined
        ? all.slice(0, range.limit)
        : all.filter((m) => m.seq < (range.beforeSeq as number)).slice(-range.limit);
    return Promise.resolve(page.map(copy));
  }

  updateMessage(conversationId: string, messageId: string, mutate: Mutation<Message>): Promise<Message> {
    const rec = this.conversations.get(conversationId);
    const current = this.find(conversationId, messageId);
    if (!rec || !current) return Promise.reject(notFound('Message'));
    let next: Message | null;
    try {
      next = mutate(copy(current));
    } catch (e) {
      // a mutation refuses by throwing: a rejected promise, as every adapter answers
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (next) {
      if (next.id !== current.id || next.seq !== current.seq)
        return Promise.reject(conflict('a message keeps its id and seq'));
      rec.messages.set(current.seq, copy(next));
      if (rec.conversation.lastMessage?.id === next.id) rec.conversation.lastMessage.preview = previewOf(next);
    }
    return Promise.resolve(copy(rec.messages.get(current.seq) ?? current));
  }

  settleMessage(conversationId: string, messageId: string): Promise<void> {
    const m = this.find(conversationId, messageId);
    if (m) delete m.pendingSince;
    return Promise.resolve();
  }

  listPendingMessages(olderThan: string, limit: number): Promise<Message[]> {
    const pending: Message[] = [];
    for (const rec of this.conversations.values())
      for (const m of rec.messages.values())
        if (m.pendingSince !== undefined && m.pendingSince < olderThan) pending.push(m);
    pending.sort((a, b) => ((a.pendingSince ?? '') < (b.pendingSince ?? '') ? -1 : 1));
    return Promise.resolve(pending.slice(0, limit).map(copy));
  }

  searchMessages(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; limit: number },
  ): Promise<Message[]> {
    const needle = q.text.toLowerCase();
    const hits: Message[] = [];
    for (const id of conversationIds) {
      for (const m of this.conversations.get(id)?.messages.values() ?? []) {
        if (m.isDeleted || !m.content.toLowerCase().includes(needle)) continue;
        if (q.from !== undefined && m.createdAt < q.from) continue;
        if (q.to !== undefined && m.createdAt > q.to) continue;
        hits.push(m);
      }
    }
    hits.sort(searchOrder);
    return Promise.resolve(hits.slice(0, q.limit).map(copy));
  }

  countSearchMatches(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; readerId: string },
  ): Promise<number> {
    return this.searchMessages(conversationIds, { ...q, limit: Number.MAX_SAFE_INTEGER }).then(
      (hits) => hits.filter((m) => !m.hiddenFor.includes(q.readerId)).length,
    );
  }

  getMembership(userId: string, conversationId: string): Promise<Membership | null> {
    const m = this.memberships.get(userId)?.get(conversationId);
    return Promise.resolve(m ? copy(m) : null);
  }

  putMembership(membership: Membership): Promise<void> {
    this.setMembership(copy(membership));
    return Promise.resolve();
  }

  updateMembership(userId: string, conversationId: string, mutate: Mutation<Membership>): Promise<Membership | null> {
    const current = this.memberships.get(userId)?.get(conversationId);
    if (!current) return Promise.resolve(null);
    const next = mutate(copy(current));
    if (next) this.setMembership(copy(next));
    return Promise.resolve(copy(this.memberships.get(userId)?.get(conversationId) ?? current));
  }

  deleteMembership(userId: string, conversationId: string): Promise<void> {
    const mine = this.memberships.get(userId);
    mine?.delete(conversationId);
    if (mine?.size === 0) this.memberships.delete(userId);
    return Promise.resolve();
  }

  advanceMemberships(
    conversationId: string,
    userIds: string[],
    message: { seq: number; at: string; senderId: string },
  ): Promise<void> {
    for (const userId of userIds) {
      const m = this.memberships.get(userId)?.get(conversationId);
      if (!m) continue;
      m.lastSeq = Math.max(m.lastSeq, message.seq);
      if (m.lastActivityAt < message.at) m.lastActivityAt = message.at;
      if (userId === message.senderId && m.lastReadSeq < message.seq) {
        m.lastReadSeq = message.seq;
        m.lastReadAt = message.at;
        m.draft = null;
      }
    }
    return Promise.resolve();
  }

  listMemberships(
    userId: string,
    filter: MembershipFilter,
    page: { pageSize: number; continuationToken?: string },
  ): Promise<MembershipPage> {
    let offset: number;
    try {
      offset = page.continuationToken === undefined ? 0 : decodeOffset(page.continuationToken);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const all = [...(this.memberships.get(userId)?.values() ?? [])]
      .filter((m) => filter.type === undefined || m.conversationType === filter.type)
      .filter((m) => filter.archived === undefined || m.archived === filter.archived)
      .sort(inboxOrder);
    const items = all.slice(offset, offset + page.pageSize).map(copy);
    const next = offset + page.pageSize < all.length ? encodeOffset(offset + page.pageSize) : null;
    return Promise.resolve({ items, continuationToken: next });
  }

  allMemberships(userId: string): Promise<Membership[]> {
    return Promise.resolve([...(this.memberships.get(userId)?.values() ?? [])].map(copy));
  }

  private setMembership(m: Membership): void {
    let mine = this.memberships.get(m.userId);
    if (mine === undefined) this.memberships.set(m.userId, (mine = new Map<string, Membership>()));
    mine.set(m.conversationId, m);
  }

  getProfile(userId: string): Promise<UserProfile> {
    return Promise.resolve(copy(this.profiles.get(userId) ?? { userId, blocked: [] }));
  }

  updateProfile(userId: string, mutate: Mutation<UserProfile>): Promise<UserProfile> {
    const current = this.profiles.get(userId) ?? { userId, blocked: [] };
    const next = mutate(copy(current));
    if (next) this.profiles.set(userId, copy(next));
    return Promise.resolve(copy(this.profiles.get(userId) ?? current));
  }

  listConversationsAfter(afterId: string, limit: number): Promise<Conversation[]> {
    const ids = [...this.conversations.keys()].filter((id) => id > afterId).sort();
    return Promise.resolve(
      ids.slice(0, limit).map((id) => copy((this.conversations.get(id) as ConversationRecord).conversation)),
    );
  }

  listMessagesBefore(
    conversationId: string,
    before: string,
    limit: number,
    opts: { withAttachments?: boolean } = {},
  ): Promise<Message[]> {
    const all = [...(this.conversations.get(conversationId)?.messages.values() ?? [])];
    const hits = all.filter((m) => m.createdAt < before && (!opts.withAttachments || m.attachments.length > 0));
    return Promise.resolve(hits.slice(0, limit).map(copy));
  }

  listDeletedWithAttachments(conversationId: string, limit: number): Promise<Message[]> {
    const all = [...(this.conversations.get(conversationId)?.messages.values() ?? [])];
    return Promise.resolve(
      all
        .filter((m) => m.isDeleted && m.attachments.length > 0)
        .slice(0, limit)
        .map(copy),
    );
  }

  deleteMessages(conversationId: string, messages: Message[]): Promise<number> {
    const rec = this.conversations.get(conversationId);
    let n = 0;
    for (const m of messages) {
      if (!rec?.messages.delete(m.seq)) continue;
      n++;
      if (m.clientMessageId !== null) rec.byClientId.delete(clientKey(m.senderId, m.clientMessageId));
    }
    return Promise.resolve(n);
  }

  clearLastMessage(conversationId: string, messageId: string): Promise<boolean> {
    const c = this.conversations.get(conversationId)?.conversation;
    if (c?.lastMessage?.id !== messageId) return Promise.resolve(false);
    c.lastMessage = null;
    return Promise.resolve(true);
  }

  deleteConversation(conversationId: string): Promise<void> {
    this.conversations.delete(conversationId);
    return Promise.resolve();
  }

  getRetentionCursor(): Promise<string | null> {
    return Promise.resolve(this.retentionCursor);
  }

  putRetentionCursor(afterId: string | null): Promise<void> {
    this.retentionCursor = afterId;
    return Promise.resolve();
  }
}

const encodeOffset = (n: number): string => Buffer.from(JSON.stringify({ o: n })).toString('base64url');
function decodeOffset(token: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'o' in parsed &&
      Number.isInteger(parsed.o) &&
      (parsed.o as number) >= 0
    ) {
      return parsed.o as number;
    }
  } catch {
    // fall through to the validation error
  }
  throw invalid('continuationToken is not one this server issued', 'PAGING.BAD_TOKEN');
}
