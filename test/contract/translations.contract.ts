import { describe, expect, it } from 'vitest';
import type { MessageTranslation } from '../../shared/domain/translation.js';
import type { TranslationStore } from '../../shared/ports/translations.js';

export interface TranslationsFixture {
  translations: TranslationStore;
  cleanup(): Promise<void>;
}

const t = (over: Partial<MessageTranslation> = {}): MessageTranslation => ({
  conversationId: 'c1',
  messageId: 'c1.1',
  language: 'de',
  translatedContent: 'Hallo',
  detectedLanguage: 'en',
  sourceHash: 'h1',
  translatedAt: '2026-11-30T10:00:00.000Z',
  ...over,
});

/** What every TranslationStore does: one translation per (message, language), dropped per message. */
export function runTranslationsContract(name: string, open: () => Promise<TranslationsFixture>) {
  describe(`translation store contract: ${name}`, () => {
    const withStore = async (body: (s: TranslationStore) => Promise<void>) => {
      const f = await open();
      try {
        await body(f.translations);
      } finally {
        await f.cleanup();
      }
    };

    it('when a translation is stored, then it is read back by message and language, case-insensitively, and nothing else is', () =>
      withStore(async (s) => {
        await s.put(t({ language: 'pt-BR', translatedContent: 'Olá' }));
        expect(await s.get('c1', 'c1.1', 'pt-br')).toEqual(t({ language: 'pt-BR', translatedContent: 'Olá' }));
        expect(await s.get('c1', 'c1.1', 'de')).toBeNull();
        expect(await s.get('c1', 'c1.2', 'pt-BR')).toBeNull();
        expect(await s.get('c2', 'c1.1', 'pt-BR')).toBeNull();
      }));

    it('when the same (message, language) is stored again, then the newer one replaces it', () =>
      withStore(async (s) => {
        await s.put(t({ translatedContent: 'Hallo', sourceHash: 'old' }));
        await s.put(t({ language: 'DE', translatedContent: 'Servus', sourceHash: 'new', ttl: 3600 }));
        expect(await s.get('c1', 'c1.1', 'de')).toMatchObject({
          translatedContent: 'Servus',
          sourceHash: 'new',
          ttl: 3600,
        });
      }));

    it('when the translations of a message are dropped, then all its languages go and other messages keep theirs', () =>
      withStore(async (s) => {
        await s.put(t({ language: 'de' }));
        await s.put(t({ language: 'fr', translatedContent: 'Bonjour' }));
        await s.put(t({ messageId: 'c1.2', language: 'de' }));
        await s.deleteForMessage('c1', 'c1.1');
        expect(await s.get('c1', 'c1.1', 'de')).toBeNull();
        expect(await s.get('c1', 'c1.1', 'fr')).toBeNull();
        expect(await s.get('c1', 'c1.2', 'de')).not.toBeNull();
        // dropping again (or a message without any) is not an error
        await s.deleteForMessage('c1', 'c1.1');
        await s.deleteForMessage('c9', 'c9.1');
      }));
  });
}
