import type { ConversationTemplate } from '../../domain/templates.js';
import type { TemplateStore } from '../../ports/templates.js';

/** In-process templates, same contract as the Cosmos adapter (test/contract/templates.contract.ts). */
export class MemoryTemplateStore implements TemplateStore {
  private readonly templates = new Map<string, ConversationTemplate>();

  list(): Promise<ConversationTemplate[]> {
    const all = [...this.templates.values()].map((t) => structuredClone(t));
    return Promise.resolve(all.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0)));
  }

  get(templateId: string): Promise<ConversationTemplate | null> {
    const t = this.templates.get(templateId);
    return Promise.resolve(t ? structuredClone(t) : null);
  }

  put(template: ConversationTemplate): Promise<void> {
    this.templates.set(template.id, structuredClone(template));
    return Promise.resolve();
  }

  delete(templateId: string): Promise<boolean> {
    return Promise.resolve(this.templates.delete(templateId));
  }
}
