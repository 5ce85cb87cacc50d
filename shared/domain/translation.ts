/** Message translation: language codes, the cached translation of a message (the seed's MessageTranslations), inputs. */
import { z } from 'zod';

/** A BCP 47 tag as the Translator takes it: en, pt-BR, zh-Hans, sr-Cyrl. Compared case-insensitively. */
export const LanguageSchema = z
  .string()
  .trim()
  .min(2)
  .max(20)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, 'must be a language code such as en, pt-BR or zh-Hans');

/** The form languages are compared and keyed in. */
export const languageKey = (language: string): string => language.trim().toLowerCase();

/** One message in one language, kept until the message is edited or deleted (or expires with it). */
export interface MessageTranslation {
  conversationId: string;
  messageId: string;
  /** As asked for (the key is its lower-case form). */
  language: string;
  translatedContent: string;
  detectedLanguage: string | null;
  /** sha256 of the content it was made from: a translation of older content is never served. */
  sourceHash: string;
  translatedAt: string;
  /** Seconds the store keeps it (the message's retention); absent = as long as the message. */
  ttl?: number;
}

export const TranslateBodySchema = z.strictObject({ targetLanguage: LanguageSchema }).describe('TranslateBody');

export const TranslationResultSchema = z
  .strictObject({
    conversationId: z.string(),
    messageId: z.string(),
    targetLanguage: z.string(),
    translatedContent: z.string(),
    detectedLanguage: z.string().nullable().describe('null when the Translator could not tell'),
    cached: z.boolean().describe('served from the store without calling the Translator'),
  })
  .describe('TranslationResult');
export type TranslationResult = z.infer<typeof TranslationResultSchema>;

export const AutoTranslateBodySchema = z.strictObject({ enabled: z.boolean() }).describe('AutoTranslateBody');

export const AutoTranslateResultSchema = z
  .strictObject({
    conversationId: z.string(),
    enabled: z.boolean(),
    language: z
      .string()
      .nullable()
      .describe('the caller’s preferred language; null: none set yet, nothing is translated'),
  })
  .describe('AutoTranslateResult');
