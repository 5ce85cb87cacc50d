import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { type ConversationTemplate, TemplateSchema } from '../../domain/templates.js';
import type { TemplateStore } from '../../ports/templates.js';
import { DocumentContainer } from './cosmos-container.js';
import type { DocKind } from './cosmos-docs.js';
import { guard } from './cosmos-errors.js';

/**
 * Templates live in the users container under one partition of their own, `$templates` (no user id can be that:
 * `$` is not an id character), so listing them reads one small partition.
 */
const PARTITION = '$templates';
const TEMPLATE: DocKind<ConversationTemplate> = { docType: 'template', schema: TemplateSchema };
const docId = (id: string): string => `tpl:${id}`;

export class CosmosTemplateStore implements TemplateStore {
  private readonly docs: DocumentContainer;

  constructor(container: Container) {
    this.docs = new DocumentContainer(container);
  }

  list(): Promise<ConversationTemplate[]> {
    return guard(async () => {
      const found = await this.docs.query(
        {
          query: "SELECT * FROM c WHERE c.userId = @p AND c.docType = 'template' ORDER BY c.updatedAt DESC",
          parameters: [{ name: '@p', value: PARTITION }],
        },
        PARTITION,
        TEMPLATE,
      );
      return found.map((f) => ({ ...f.value, id: f.value.id.slice(4) }));
    });
  }

  get(templateId: string): Promise<ConversationTemplate | null> {
    return guard(async () => {
      const found = await this.docs.read(docId(templateId), PARTITION, TEMPLATE);
      return found ? { ...found.value, id: templateId } : null;
    });
  }

  put(template: ConversationTemplate): Promise<void> {
    return guard(() =>
      this.docs.upsert({
        ...structuredClone(template),
        id: docId(template.id),
        userId: PARTITION,
        docType: 'template',
        writeId: randomUUID(),
      }),
    );
  }

  delete(templateId: string): Promise<boolean> {
    return guard(() => this.docs.delete(docId(templateId), PARTITION));
  }
}
