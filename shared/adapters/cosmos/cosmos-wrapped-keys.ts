// Wrapped conversation data keys in the conversations container, in the conversation's partition: one document per
// KEK version, id 'dek:' + version, docType 'datakey'. Created once (the first writer wins), never changed, no TTL.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { WrappedKeyStore } from '../../ports/keys.js';
import { type DocumentContainer, decode } from './cosmos-container.js';
import type { DocKind } from './cosmos-docs.js';
import { guard } from './cosmos-errors.js';

interface DataKeyDoc {
  id: string;
  conversationId: string;
  docType: 'datakey';
  keyVersion: string;
  wrapped: string;
  writeId: string;
}

const DATA_KEY: DocKind<{ wrapped: string }> = { docType: 'datakey', schema: z.object({ wrapped: z.string() }) };

// why the prefix: conversation ids never start with 'dek:', so a key document cannot take a message's id
const idOf = (keyVersion: string) => `dek:${keyVersion}`;

export class CosmosWrappedKeys implements WrappedKeyStore {
  constructor(private readonly conversations: DocumentContainer) {}

  get(conversationId: string, keyVersion: string): Promise<string | null> {
    return guard(async () => {
      const found = await this.conversations.read(idOf(keyVersion), conversationId, DATA_KEY);
      return found?.value.wrapped ?? null;
    });
  }

  putIfAbsent(conversationId: string, keyVersion: string, wrapped: string): Promise<string> {
    return guard(async () => {
      const doc: DataKeyDoc = {
        id: idOf(keyVersion),
        conversationId,
        docType: 'datakey',
        keyVersion,
        wrapped,
        writeId: randomUUID(),
      };
      const outcome = await this.conversations.create(doc, conversationId);
      if (outcome.created) return wrapped;
      const existing = outcome.existing === null ? null : decode(outcome.existing, DATA_KEY);
      if (existing === null) throw new Error(`data key ${doc.id} of ${conversationId} could not be stored`);
      return existing.value.wrapped;
    });
  }
}
