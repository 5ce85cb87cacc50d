import type { MessageTranslation } from '../domain/translation.js';

/**
 * Translations of messages, one per (message, language): the seed's MessageTranslations. Adapters: memory and
 * cosmos (beside the message, in its conversation's partition).
 */
export interface TranslationStore {
  /** `language` is compared case-insensitively. */
  get(conversationId: string, messageId: string, language: string): Promise<MessageTranslation | null>;
  /** Stores it, replacing the one of the same (message, language). */
  put(translation: MessageTranslation): Promise<void>;
  /** Drops every translation of the message (it was edited or deleted). */
  deleteForMessage(conversationId: string, messageId: string): Promise<void>;
}
