/**
 * The send path's outbox on Cosmos: the marker `pendingSince` lives on the message doc itself (written by the same
 * create that stores the message, so there is no window between them), cleared by one conditional patch, and found
 * by the sweep with one cross-partition query (`pendingSince` is indexed: the conversations container indexes /*).
 */
import type { Conversation } from '../../domain/conversation.js';
import type { Message } from '../../domain/message.js';
import type { DocumentContainer } from './cosmos-container.js';
import { CONVERSATION, MESSAGE, messageDoc } from './cosmos-docs.js';
import { updateDocument } from './cosmos-occ.js';

export class CosmosOutbox {
  constructor(private readonly conversations: DocumentContainer) {}

  async settle(conversationId: string, messageId: string): Promise<void> {
    if (this.conversations.conditionalPatch) {
      const outcome = await this.conversations.patchIf(
        messageId,
        conversationId,
        [{ op: 'remove', path: '/pendingSince' }],
        'IS_DEFINED(c.pendingSince)',
      );
      if (outcome !== 'unsupported') return;
    }
    await updateDocument({
      docs: this.conversations,
      id: messageId,
      partitionKey: conversationId,
      kind: MESSAGE,
      missing: () => null,
      mutate: (m) => {
        if (m.pendingSince === undefined) return null;
        const { pendingSince: _p, ...rest } = m;
        return rest;
      },
      toDoc: (next) => messageDoc({ ...next, conversationId }),
      busy: () => new Error('the message changed too often to settle it'),
    });
  }

  async pending(olderThan: string, limit: number): Promise<Message[]> {
    const docs = await this.conversations.query(
      {
        query:
          "SELECT TOP @n * FROM c WHERE c.docType = 'message' AND IS_DEFINED(c.pendingSince) AND c.pendingSince < @t ORDER BY c.pendingSince ASC",
        parameters: [
          { name: '@n', value: Math.max(1, Math.floor(limit)) },
          { name: '@t', value: olderThan },
        ],
      },
      undefined,
      MESSAGE,
    );
    return docs.map((d) => d.value);
  }

  async lastSeqs(conversationIds: string[]): Promise<Record<string, number>> {
    if (conversationIds.length === 0) return {};
    const docs = await this.conversations.query<Conversation>(
      {
        query: "SELECT * FROM c WHERE c.docType = 'conversation' AND ARRAY_CONTAINS(@ids, c.id)",
        parameters: [{ name: '@ids', value: [...new Set(conversationIds)] }],
      },
      undefined,
      CONVERSATION,
    );
    return Object.fromEntries(docs.map((d) => [d.value.id, d.value.lastSeq]));
  }
}
