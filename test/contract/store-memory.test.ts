import { MemoryConversationStore } from '../../shared/adapters/memory/memory-store.js';
import { runStoreContract } from './store.contract.js';

runStoreContract('memory', () =>
  Promise.resolve({ store: new MemoryConversationStore(), cleanup: () => Promise.resolve() }),
);
