/**
 * What the retention sweep needs from the Cosmos documents: conversations in id order (a cross-partition query, run
 * by the sweep only, never on a hot path), expired or deleted messages of one partition, deletes, and the sweep's
 * cursor (a doc in the users container under the partition `$retention`: no user id can be that).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Conversation } from '../../domain/conversation.js';
import { conflict } from '../../domain/errors.js';
import type { Message } from '../../domain/message.js';
import type { DocumentContainer } from './cosmos-container.js';
import { CONVERSATION, claimIdOf, conversationDoc, type DocKind, MESSAGE } from './cosmos-docs.js';
import { updateDocument } from './cosmos-occ.js';

const ANY: DocKind<{ id: string }> = { schema: z.object({ id: z.string() }) };
const CURSOR: DocKind<{ afterId: string | null }> = {
  docType: 'retention-cursor',
  schema: z.object({ afterId: z.string().nullable() }),
};
const CURSOR_PARTITION = '$retention';

export class CosmosRetention {
  constructor(
    private readonly conversations: DocumentContainer,
    private readonly users: DocumentContainer,
  ) {}

  async listConversationsAfter(afterId: string, limit: number): Promise<Conversation[]> {
    const found = await this.conversations.query(
      {
        query: "SELECT TOP @n * FROM c WHERE c.docType = 'conversation' AND c.id > @after ORDER BY c.id ASC",
        parameters: [
          { name: '@n', value: limit },
          { name: '@after', value: afterId },
        ],
      },
      undefined,
      CONVERSATION,
    );
    return found.map((f) => f.value);
  }

  async listMessagesBefore(
    conversationId: string,
    before: string,
    limit: number,
    withAttachments: boolean,
  ): Promise<Message[]> {
    const attachments = withAttachments ? ' AND ARRAY_LENGTH(c.attachments) > 0' : '';
    const found = await this.conversations.query(
      {
        query: `SELECT TOP @n * FROM c WHERE c.conversationId = @c AND c.docType = 'message' AND c.createdAt < @before${attachments} ORDER BY c.seq ASC`,
        parameters: [
          { name: '@n', value: limit },
          { name: '@c', value: conversationId },
          { name: '@before', value: before },
        ],
      },
      conversationId,
      MESSAGE,
    );
    return found.map((f) => f.value);
  }

  async listDeletedWithAttachments(conversationId: string, limit: number): Promise<Message[]> {
    const found = await this.conversations.query(
      {
        query:
          "SELECT TOP @n * FROM c WHERE c.conversationId = @c AND c.docType = 'message' AND c.isDeleted = true AND ARRAY_LENGTH(c.attachments) > 0",
        parameters: [
          { name: '@n', value: limit },
          { name: '@c', value: conversationId },
        ],
      },
      conversationId,
      MESSAGE,
    );
    return found.map((f) => f.value);
  }

  async deleteMessages(conversationId: string, messages: Message[]): Promise<number> {
    const gone = await Promise.all(
      messages.map(async (m) => {
        const deleted = await this.conversations.delete(m.id, conversationId);
        if (m.clientMessageId !== null)
          await this.conversations.delete(claimIdOf(m.senderId, m.clientMessageId), conversationId);
        return deleted;
      }),
    );
    return gone.filter(Boolean).length;
  }

  async clearLastMessage(conversationId: string, messageId: string): Promise<boolean> {
    const updated = await updateDocument({
      docs: this.conversations,
      id: conversationId,
      partitionKey: conversationId,
      kind: CONVERSATION,
      missing: () => null,
      mutate: (c) => (c.lastMessage?.id === messageId ? { ...c, lastMessage: null } : null),
      toDoc: (next) => conversationDoc({ ...next, id: conversationId }),
      busy: () =>
        conflict('the conversation changed too often to clear its preview; the next sweep will', 'RETENTION.BUSY'),
    });
    return updated?.written === true;
  }

  /** Every document of the partition (claims, leftovers), the conversation doc last: a crash leaves it findable. */
  async deleteConversation(conversationId: string): Promise<void> {
    const docs = await this.conversations.query(
      { query: 'SELECT * FROM c WHERE c.conversationId = @c', parameters: [{ name: '@c', value: conversationId }] },
      conversationId,
      ANY,
    );
    const others = docs.map((d) => d.value.id).filter((id) => id !== conversationId);
    await Promise.all(others.map((id) => this.conversations.delete(id, conversationId)));
    await this.conversations.delete(conversationId, conversationId);
  }

  async getCursor(): Promise<string | null> {
    return (await this.users.read('cursor', CURSOR_PARTITION, CURSOR))?.value.afterId ?? null;
  }

  async putCursor(afterId: string | null): Promise<void> {
    await this.users.upsert({
      id: 'cursor',
      userId: CURSOR_PARTITION,
      docType: 'retention-cursor',
      afterId,
      writeId: randomUUID(),
    });
  }
}
