import type { ConversationTemplate } from '../domain/templates.js';

/** Conversation templates (a handful of documents, managed by operators). Adapters: memory and cosmos. */
export interface TemplateStore {
  /** Every template, newest change first. */
  list(): Promise<ConversationTemplate[]>;
  get(templateId: string): Promise<ConversationTemplate | null>;
  /** Creates or replaces the template with this id. */
  put(template: ConversationTemplate): Promise<void>;
  /** false when there was none. */
  delete(templateId: string): Promise<boolean>;
}
