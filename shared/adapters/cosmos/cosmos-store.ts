/**
 * ConversationStore on Cosmos DB (NoSQL API). Same semantics as the memory store; correct on real Cosmos and on
 * `@vercel/cosmosdb-server`. A façade: each protocol lives in its own module.
 *   cosmos-docs.ts          data model, document shapes, parsing stored documents back (zod)
 *   cosmos-container.ts     document primitives with retries, shared by every Cosmos adapter
 *   cosmos-occ.ts           the one optimistic-concurrency loop (read -> mutate -> replace-if-match -> back off)
 *   cosmos-seq.ts           gap-free seq allocation and moving the conversation's lastSeq forward
 *   cosmos-claims.ts        idempotent send: clientMessageId claims
 *   cosmos-batch.ts         the send as one transactional batch (atomicBatch: real Cosmos)
 *   cosmos-conversations.ts, cosmos-messages.ts, cosmos-memberships.ts, cosmos-profiles.ts   the documents by kind
 * Every method maps what it throws with `guard`: domain errors pass, a busy or unreachable database is `unavailable`.
 */
import type { CosmosClient } from '@azure/cosmos';
import type { Conversation, Membership, UserProfile } from '../../domain/conversation.js';
import type { Message } from '../../domain/message.js';
import type {
  AppendResult,
  ConversationStore,
  MembershipFilter,
  MembershipPage,
  Mutation,
  NewMessage,
} from '../../ports/store.js';
import { KnownConversations } from './cosmos-batch.js';
import { DocumentContainer, type PatchSupport } from './cosmos-container.js';
import { CosmosConversations } from './cosmos-conversations.js';
import { guard } from './cosmos-errors.js';
import { CosmosMemberships } from './cosmos-memberships.js';
import { CosmosMessages } from './cosmos-messages.js';
import { CosmosOutbox } from './cosmos-outbox.js';
import { CosmosProfiles } from './cosmos-profiles.js';
import { CosmosRetention } from './cosmos-retention.js';
import { type CosmosContainerNames, type CosmosContainers, ensureCosmosContainers } from './cosmos-setup.js';

export interface CosmosStoreOptions {
  client: CosmosClient;
  databaseId: string;
  containers: CosmosContainerNames;
  /**
   * Send as one transactional batch (cosmos-batch.ts): real Cosmos and the Cosmos emulator. Off (default) = the
   * 409-based allocation, correct on any server; the embedded cosmosdb-server does not apply batches atomically.
   */
  atomicBatch?: boolean;
  /** Conditional patches (default true); false = read + IfMatch replace, for servers where they are slow or absent. */
  conditionalPatch?: boolean;
  /** Whether the server deletes documents whose ttl ran out (default true: Cosmos DB; the embedded server does not). */
  enforcesTtl?: boolean;
  timing?: {
    /** How long a duplicate send waits for the first one to finish (default 5 s). */
    claimWaitMs?: number;
    /** Age after which a pending claim counts as abandoned and may be taken over (default 30 s). */
    staleClaimMs?: number;
  };
}

export class CosmosConversationStore implements ConversationStore {
  /** Cleared if the server rejects conditional patches; then lastSeq and memberships move with read + IfMatch replace. */
  private readonly patches: PatchSupport;
  private readonly conversations: CosmosConversations;
  private readonly messages: CosmosMessages;
  private readonly memberships: CosmosMemberships;
  private readonly profiles: CosmosProfiles;
  private readonly outbox: CosmosOutbox;
  private readonly retention: CosmosRetention;
  /** The batch path's cache of conversation docs: retention drops what it deletes or changes. */
  private readonly known = new KnownConversations();
  /** Cosmos DB deletes expired documents itself; the embedded server does not (COSMOS_TTL_ENFORCED=false). */
  readonly enforcesTtl: boolean;

  constructor(private readonly options: CosmosStoreOptions) {
    this.enforcesTtl = options.enforcesTtl ?? true;
    this.patches = { conditional: options.conditionalPatch ?? true };
    const database = options.client.database(options.databaseId);
    const docs = (name: string) => new DocumentContainer(database.container(name), this.patches);
    const conversations = docs(options.containers.conversations);
    const known = this.known;
    this.conversations = new CosmosConversations(conversations, known);
    this.outbox = new CosmosOutbox(conversations);
    this.messages = new CosmosMessages(
      conversations,
      {
        claimWaitMs: options.timing?.claimWaitMs ?? 5_000,
        staleClaimMs: options.timing?.staleClaimMs ?? 30_000,
      },
      { atomic: options.atomicBatch === true, known },
    );
    this.memberships = new CosmosMemberships(docs(options.containers.memberships));
    this.profiles = new CosmosProfiles(docs(options.containers.users));
    this.retention = new CosmosRetention(conversations, docs(options.containers.users));
  }

  /** Ensures the database and containers exist (created with partition keys, TTL on and the indexes), then builds the store. */
  static async create(options: CosmosStoreOptions): Promise<CosmosConversationStore> {
    const store = new CosmosConversationStore(options);
    await store.init();
    return store;
  }

  init(): Promise<CosmosContainers> {
    return ensureCosmosContainers(this.options.client, this.options.databaseId, this.options.containers);
  }

  /** Whether sends go as one transactional batch (false: the 409-based path; also after a non-atomic server showed). */
  get atomicBatch(): boolean {
    return this.messages.batching;
  }

  /** Whether the server evaluates conditional patches (the fast path of lastSeq and membership updates). */
  get conditionalPatch(): boolean {
    return this.patches.conditional;
  }

  createConversation(
    conversation: Conversation,
    memberships: Membership[],
  ): Promise<{ conversation: Conversation; created: boolean }> {
    return guard(async () => {
      const result = await this.conversations.create(conversation);
      if (result.created) await Promise.all(memberships.map((m) => this.memberships.put(m)));
      return result;
    });
  }

  getConversation(conversationId: string): Promise<Conversation | null> {
    return guard(() => this.conversations.get(conversationId));
  }

  lastSeqs(conversationIds: string[]): Promise<Record<string, number>> {
    return guard(() => this.outbox.lastSeqs(conversationIds));
  }

  updateConversation(conversationId: string, mutate: Mutation<Conversation>): Promise<Conversation> {
    return guard(() => this.conversations.update(conversationId, mutate));
  }

  appendMessage(input: NewMessage): Promise<AppendResult> {
    return guard(() => this.messages.append(input));
  }

  findByClientMessageId(conversationId: string, senderId: string, clientMessageId: string): Promise<Message | null> {
    return guard(() => this.messages.findByClientMessageId(conversationId, senderId, clientMessageId));
  }

  getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    return guard(() => this.messages.get(conversationId, messageId));
  }

  listMessages(
    conversationId: string,
    range: { afterSeq?: number; beforeSeq?: number; limit: number },
  ): Promise<Message[]> {
    return guard(() => this.messages.list(conversationId, range));
  }

  updateMessage(conversationId: string, messageId: string, mutate: Mutation<Message>): Promise<Message> {
    return guard(() => this.messages.update(conversationId, messageId, mutate));
  }

  settleMessage(conversationId: string, messageId: string): Promise<void> {
    return guard(() => this.outbox.settle(conversationId, messageId));
  }

  listPendingMessages(olderThan: string, limit: number): Promise<Message[]> {
    return guard(() => this.outbox.pending(olderThan, limit));
  }

  searchMessages(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; limit: number },
  ): Promise<Message[]> {
    return guard(() => this.messages.search(conversationIds, q));
  }

  countSearchMatches(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; readerId: string },
  ): Promise<number> {
    return guard(() => this.messages.countMatches(conversationIds, q));
  }

  getMembership(userId: string, conversationId: string): Promise<Membership | null> {
    return guard(() => this.memberships.get(userId, conversationId));
  }

  putMembership(membership: Membership): Promise<void> {
    return guard(() => this.memberships.put(membership));
  }

  updateMembership(userId: string, conversationId: string, mutate: Mutation<Membership>): Promise<Membership | null> {
    return guard(() => this.memberships.update(userId, conversationId, mutate));
  }

  deleteMembership(userId: string, conversationId: string): Promise<void> {
    return guard(() => this.memberships.delete(userId, conversationId));
  }

  advanceMemberships(
    conversationId: string,
    userIds: string[],
    message: { seq: number; at: string; senderId: string },
  ): Promise<void> {
    return guard(() => this.memberships.advance(conversationId, userIds, message));
  }

  listMemberships(
    userId: string,
    filter: MembershipFilter,
    page: { pageSize: number; continuationToken?: string },
  ): Promise<MembershipPage> {
    return guard(() => this.memberships.list(userId, filter, page));
  }

  allMemberships(userId: string): Promise<Membership[]> {
    return guard(() => this.memberships.all(userId));
  }

  getProfile(userId: string): Promise<UserProfile> {
    return guard(() => this.profiles.get(userId));
  }

  updateProfile(userId: string, mutate: Mutation<UserProfile>): Promise<UserProfile> {
    return guard(() => this.profiles.update(userId, mutate));
  }

  listConversationsAfter(afterId: string, limit: number): Promise<Conversation[]> {
    return guard(() => this.retention.listConversationsAfter(afterId, limit));
  }

  listMessagesBefore(
    conversationId: string,
    before: string,
    limit: number,
    opts: { withAttachments?: boolean } = {},
  ): Promise<Message[]> {
    return guard(() => this.retention.listMessagesBefore(conversationId, before, limit, opts.withAttachments === true));
  }

  listDeletedWithAttachments(conversationId: string, limit: number): Promise<Message[]> {
    return guard(() => this.retention.listDeletedWithAttachments(conversationId, limit));
  }

  deleteMessages(conversationId: string, messages: Message[]): Promise<number> {
    return guard(() => this.retention.deleteMessages(conversationId, messages));
  }

  clearLastMessage(conversationId: string, messageId: string): Promise<boolean> {
    this.known.drop(conversationId);
    return guard(() => this.retention.clearLastMessage(conversationId, messageId));
  }

  deleteConversation(conversationId: string): Promise<void> {
    this.known.drop(conversationId);
    return guard(async () => {
      await this.retention.deleteConversation(conversationId);
      this.known.drop(conversationId);
    });
  }

  getRetentionCursor(): Promise<string | null> {
    return guard(() => this.retention.getCursor());
  }

  putRetentionCursor(afterId: string | null): Promise<void> {
    return guard(() => this.retention.putCursor(afterId));
  }
}
