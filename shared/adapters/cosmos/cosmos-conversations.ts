/** Conversation docs in the conversations container (partition /conversationId, id = conversationId). */
import type { Conversation } from '../../domain/conversation.js';
import { conflict, notFound } from '../../domain/errors.js';
import type { Mutation } from '../../ports/store.js';
import type { KnownConversations } from './cosmos-batch.js';
import { type DocumentContainer, decode } from './cosmos-container.js';
import { CONVERSATION, conversationDoc } from './cosmos-docs.js';
import { updateDocument } from './cosmos-occ.js';

export class CosmosConversations {
  /** `known`: every conversation read is remembered with its etag, the send batch's starting point. */
  constructor(
    private readonly conversations: DocumentContainer,
    private readonly known: KnownConversations,
  ) {}

  /** Creates the doc, or finds the conversation that has the id already (created = false). */
  async create(conversation: Conversation): Promise<{ conversation: Conversation; created: boolean }> {
    const doc = conversationDoc(conversation);
    const outcome = await this.conversations.create(doc, conversation.id);
    if (outcome.created) return { conversation: CONVERSATION.schema.parse(doc), created: true };
    const found = outcome.existing ?? (await this.conversations.find(conversation.id, conversation.id));
    const existing = found && decode(found, CONVERSATION);
    if (!existing) throw conflict('the conversation id is taken', 'CONVERSATION.ID_TAKEN');
    return { conversation: existing.value, created: false };
  }

  async get(conversationId: string): Promise<Conversation | null> {
    const stored = await this.conversations.read(conversationId, conversationId, CONVERSATION);
    if (stored) this.known.set(stored);
    return stored?.value ?? null;
  }

  async update(conversationId: string, mutate: Mutation<Conversation>): Promise<Conversation> {
    this.known.drop(conversationId);
    const updated = await updateDocument({
      docs: this.conversations,
      id: conversationId,
      partitionKey: conversationId,
      kind: CONVERSATION,
      missing: () => {
        throw notFound('Conversation');
      },
      mutate,
      // why: seq, last message and its time move only with appendMessage, whatever the mutation returned
      toDoc: (next, current) =>
        conversationDoc({
          ...next,
          id: conversationId,
          lastSeq: current.lastSeq,
          lastMessage: current.lastMessage,
          lastMessageAt: current.lastMessageAt,
        }),
      busy: () => conflict('the conversation changed too often to update it; try again', 'CONVERSATION.BUSY'),
    });
    if (!updated) throw notFound('Conversation');
    return updated.value;
  }
}
