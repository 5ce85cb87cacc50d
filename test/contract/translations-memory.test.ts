import { MemoryTranslationStore } from '../../shared/adapters/memory/memory-translations.js';
import { runTranslationsContract } from './translations.contract.js';

runTranslationsContract('memory', () =>
  Promise.resolve({ translations: new MemoryTranslationStore(), cleanup: () => Promise.resolve() }),
);
