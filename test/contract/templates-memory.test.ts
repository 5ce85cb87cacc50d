import { MemoryTemplateStore } from '../../shared/adapters/memory/memory-templates.js';
import { runTemplateContract } from './templates.contract.js';

runTemplateContract('memory', () =>
  Promise.resolve({ templates: new MemoryTemplateStore(), cleanup: () => Promise.resolve() }),
);
