import { languageKey, type MessageTranslation } from '../../domain/translation.js';
import type { TranslationStore } from '../../ports/translations.js';

/** The embedded twin of the Cosmos translations: per conversation, per message, per language. */
export class MemoryTranslationStore implements TranslationStore {
  private readonly byMessage = new Map<string, Map<string, MessageTranslation>>();

  private static keyOf(conversationId: string, messageId: string): string {
    return `${conversationId}\u0000${messageId}`;
  }

  get(conversationId: string, messageId: string, language: string): Promise<MessageTranslation | null> {
    const found = this.byMessage
      .get(MemoryTranslationStore.keyOf(conversationId, messageId))
      ?.get(languageKey(language));
    return Promise.resolve(found === undefined ? null : structuredClone(found));
  }

  put(translation: MessageTranslation): Promise<void> {
    const key = MemoryTranslationStore.keyOf(translation.conversationId, translation.messageId);
    const languages = this.byMessage.get(key) ?? new Map<string, MessageTranslation>();
    languages.set(languageKey(translation.language), structuredClone(translation));
    this.byMessage.set(key, languages);
    return Promise.resolve();
  }

  deleteForMessage(conversationId: string, messageId: string): Promise<void> {
    this.byMessage.delete(MemoryTranslationStore.keyOf(conversationId, messageId));
    return Promise.resolve();
  }
}
