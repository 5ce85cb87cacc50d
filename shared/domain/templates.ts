/**
 * Conversation templates (the seed's ConversationTemplates): the first message of a conversation made from one, the
 * quick replies clients offer in it, and which booking event posts which text. Texts carry placeholders
 * (`{customerName}`, `{eta}` …) filled from the booking event; a placeholder with no value is reported and left out,
 * never shown as braces.
 */
import { z } from 'zod';
import { BOOKING_EVENT_TYPES } from './booking.js';
import { LIMITS } from './limits.js';
import { IdSchema } from './schemas-common.js';

export const TEMPLATE_TYPES = ['booking', 'service_inquiry', 'emergency'] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/** The app role (token `roles` claim) that may list, create, change and delete templates. */
export const TEMPLATES_ROLE = 'Templates.Manage';

const Text = z.string().trim().min(1).max(LIMITS.messageContentChars);

export const AutomationRuleSchema = z
  .strictObject({
    event: z.enum(BOOKING_EVENT_TYPES).describe('the booking event that posts this text'),
    message: Text.describe('system message text; placeholders {name} are filled from the event'),
  })
  .describe('AutomationRule');

export const TemplateBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    type: z.enum(TEMPLATE_TYPES),
    initialMessage: Text.describe('posted when a conversation is created from the template'),
    suggestedResponses: z.array(z.string().trim().min(1).max(200)).max(20).default([]),
    automationRules: z
      .array(AutomationRuleSchema)
      .max(BOOKING_EVENT_TYPES.length)
      .default([])
      .refine((rules) => new Set(rules.map((r) => r.event)).size === rules.length, 'one rule per event'),
    isActive: z.boolean().default(true),
  })
  .describe('TemplateBody');
export type TemplateBody = z.output<typeof TemplateBodySchema>;

export interface ConversationTemplate extends TemplateBody {
  id: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const TemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(TEMPLATE_TYPES),
    initialMessage: z.string(),
    suggestedResponses: z.array(z.string()),
    automationRules: z.array(z.object({ event: z.enum(BOOKING_EVENT_TYPES), message: z.string() })),
    isActive: z.boolean(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('ConversationTemplate');

export const TemplateParamsSchema = z.strictObject({ templateId: IdSchema });

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;

/**
 * Fills `{name}` placeholders from `values`. A name without a value is left out (and listed in `missing`); the
 * whitespace it leaves behind is tidied, so the text never shows braces or double spaces.
 */
export function renderTemplate(
  text: string,
  values: Record<string, string | number | boolean>,
): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const filled = text.replace(PLACEHOLDER, (_, name: string) => {
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    if (v === undefined || v === '') {
      missing.add(name);
      return '';
    }
    return String(v);
  });
  const tidy = filled
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ +([,.!?;:)])/g, '$1')
    .replace(/\( +/g, '(')
    .replace(/\(\)/g, '')
    .trim();
  return { text: tidy, missing: [...missing] };
}
