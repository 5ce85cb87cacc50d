/**
 * Translations on Cosmos: one document per (message, language) in the conversations container, in the message's
 * partition (docType 'translation', id 'tr:' + messageId + ':' + language). Message ids end in a seq, so no such id
 * is ever a message's; conversation and claim ids are checked by their docType on every read, as everywhere.
 * It carries the message's retention `ttl`, so it never outlives the message.
 */
import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import { languageKey, type MessageTranslation } from '../../domain/translation.js';
import type { TranslationStore } from '../../ports/translations.js';
import { DocumentContainer } from './cosmos-container.js';
import type { DocKind } from './cosmos-docs.js';
import { guard } from './cosmos-errors.js';

const TranslationShape: z.ZodType<MessageTranslation> = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  language: z.string(),
  translatedContent: z.string(),
  detectedLanguage: z.string().nullable(),
  sourceHash: z.string(),
  translatedAt: z.string(),
  ttl: z.number().optional(),
});

const TRANSLATION: DocKind<MessageTranslation> = { docType: 'translation', schema: TranslationShape };

const idOf = (messageId: string, language: string): string => `tr:${messageId}:${languageKey(language)}`;

export class CosmosTranslationStore implements TranslationStore {
  private readonly docs: DocumentContainer;

  constructor(conversations: Container) {
    this.docs = new DocumentContainer(conversations);
  }

  get(conversationId: string, messageId: string, language: string): Promise<MessageTranslation | null> {
    return guard(async () => {
      const found = await this.docs.read(idOf(messageId, language), conversationId, TRANSLATION);
      return found?.value ?? null;
    });
  }

  put(translation: MessageTranslation): Promise<void> {
    return guard(() =>
      this.docs.upsert({
        ...structuredClone(translation),
        id: idOf(translation.messageId, translation.language),
        docType: 'translation',
        writeId: randomUUID(),
      }),
    );
  }

  deleteForMessage(conversationId: string, messageId: string): Promise<void> {
    return guard(async () => {
      const found = await this.docs.query(
        {
          query: "SELECT * FROM c WHERE c.conversationId = @c AND c.docType = 'translation' AND c.messageId = @m",
          parameters: [
            { name: '@c', value: conversationId },
            { name: '@m', value: messageId },
          ],
        },
        conversationId,
        TRANSLATION,
      );
      await Promise.all(found.map((d) => this.docs.delete(idOf(messageId, d.value.language), conversationId)));
    });
  }
}
