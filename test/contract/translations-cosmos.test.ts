import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCosmosClient } from '../../shared/adapters/cosmos/cosmos-client.js';
import { CosmosConversationStore } from '../../shared/adapters/cosmos/cosmos-store.js';
import { CosmosTranslationStore } from '../../shared/adapters/cosmos/cosmos-translations.js';
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../support/cosmos-server.js';
import { conversationOf, newMessage } from './store.contract.js';
import { runTranslationsContract } from './translations.contract.js';

const containers = { conversations: 'conversations', memberships: 'memberships', users: 'users' };

let server: EmbeddedCosmos;
beforeAll(async () => {
  server = await startEmbeddedCosmos();
});
afterAll(async () => {
  await server?.stop();
});

/** A fresh database with the store's containers; the translations live in its conversations container. */
async function open() {
  const client = createCosmosClient({ endpoint: server.endpoint, key: server.key, allowSelfSigned: true });
  const databaseId = `translations_${randomUUID()}`;
  const store = await CosmosConversationStore.create({ client, databaseId, containers });
  const translations = new CosmosTranslationStore(client.database(databaseId).container(containers.conversations));
  return {
    store,
    translations,
    cleanup: async () => {
      await client.database(databaseId).delete();
      client.dispose();
    },
  };
}

runTranslationsContract('cosmos', open);

describe('cosmos translations beside the messages', () => {
  it('when translations share the partition of a conversation, then message reads and search never see them', async () => {
    const f = await open();
    try {
      const c = conversationOf('tc1');
      await f.store.createConversation(c, []);
      const { message } = await f.store.appendMessage(newMessage(c.id, { content: 'hello world' }));
      await f.translations.put({
        conversationId: c.id,
        messageId: message.id,
        language: 'de',
        translatedContent: 'hallo welt hello',
        detectedLanguage: 'en',
        sourceHash: 'h',
        translatedAt: '2026-11-30T10:00:00.000Z',
      });
      expect((await f.store.listMessages(c.id, { limit: 10 })).map((m) => m.id)).toEqual([message.id]);
      expect((await f.store.searchMessages([c.id], { text: 'hallo', limit: 10 })).length).toBe(0);
      expect(await f.store.getMessage(c.id, message.id)).toMatchObject({ content: 'hello world' });
      expect(await f.translations.get(c.id, message.id, 'de')).toMatchObject({ translatedContent: 'hallo welt hello' });
    } finally {
      await f.cleanup();
    }
  });
});
