import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationTemplate } from '../../shared/domain/templates.js';
import type { TemplateStore } from '../../shared/ports/templates.js';

export interface TemplatesUnderTest {
  templates: TemplateStore;
  cleanup(): Promise<void>;
}

const tpl = (id: string, updatedAt: string, over: Partial<ConversationTemplate> = {}): ConversationTemplate => ({
  id,
  name: `template ${id}`,
  type: 'booking',
  initialMessage: 'Hi {customerName}',
  suggestedResponses: ['Yes', 'No'],
  automationRules: [{ event: 'confirmed', message: 'Confirmed for {date}' }],
  isActive: true,
  createdBy: 'ops',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt,
  ...over,
});

/** The TemplateStore contract: every adapter must pass exactly these assertions. */
export function runTemplateContract(name: string, make: () => Promise<TemplatesUnderTest>): void {
  describe(`TemplateStore contract: ${name}`, () => {
    let subject: TemplatesUnderTest;
    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => subject?.cleanup());

    it('when templates are put, replaced and deleted, then get and list (newest change first) show exactly that', async () => {
      const s = subject.templates;
      expect(await s.list()).toEqual([]);
      expect(await s.get('a')).toBeNull();
      await s.put(tpl('a', '2026-01-02T00:00:00.000Z'));
      await s.put(tpl('b', '2026-01-03T00:00:00.000Z', { type: 'emergency', automationRules: [] }));
      expect(await s.get('a')).toEqual(tpl('a', '2026-01-02T00:00:00.000Z'));
      expect((await s.list()).map((t) => t.id)).toEqual(['b', 'a']);
      await s.put(tpl('a', '2026-01-04T00:00:00.000Z', { isActive: false, suggestedResponses: [] }));
      expect(await s.list()).toEqual([
        tpl('a', '2026-01-04T00:00:00.000Z', { isActive: false, suggestedResponses: [] }),
        tpl('b', '2026-01-03T00:00:00.000Z', { type: 'emergency', automationRules: [] }),
      ]);
      expect(await s.delete('a')).toBe(true);
      expect(await s.delete('a')).toBe(false);
      expect(await s.get('a')).toBeNull();
      expect((await s.list()).map((t) => t.id)).toEqual(['b']);
    });
  });
}
