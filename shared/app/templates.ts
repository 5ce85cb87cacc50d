/**
 * Conversation templates: managed by callers with the app role Templates.Manage; read by conversation creation and
 * the booking-events consumer (only active templates are ever used).
 */
import { forbidden, notFound } from '../domain/errors.js';
import {
  type ConversationTemplate,
  TEMPLATES_ROLE,
  type TemplateBody,
  type TemplateType,
} from '../domain/templates.js';
import type { AppDeps } from './deps.js';

export type TemplateDeps = Pick<AppDeps, 'templates' | 'clock' | 'ids' | 'telemetry'>;

/** A caller as the templates API sees it: who, and the app roles their token carries. */
export interface RoleCaller {
  userId: string;
  roles: readonly string[];
}

function requireManager(caller: RoleCaller): void {
  if (!caller.roles.includes(TEMPLATES_ROLE))
    throw forbidden(`managing templates needs the app role ${TEMPLATES_ROLE}`, 'TEMPLATES.ROLE_REQUIRED');
}

export async function listTemplates(deps: TemplateDeps, caller: RoleCaller) {
  requireManager(caller);
  return { templates: await deps.templates.list() };
}

export async function getTemplate(deps: TemplateDeps, caller: RoleCaller, templateId: string) {
  requireManager(caller);
  const t = await deps.templates.get(templateId);
  if (!t) throw notFound('Template');
  return t;
}

export async function createTemplate(
  deps: TemplateDeps,
  caller: RoleCaller,
  body: TemplateBody,
): Promise<ConversationTemplate> {
  requireManager(caller);
  const now = deps.clock.now().toISOString();
  const template: ConversationTemplate = {
    ...body,
    id: deps.ids.newId('tpl'),
    createdBy: caller.userId,
    createdAt: now,
    updatedAt: now,
  };
  await deps.templates.put(template);
  deps.telemetry.event('TemplateChanged', { action: 'created', type: template.type });
  return template;
}

export async function replaceTemplate(
  deps: TemplateDeps,
  caller: RoleCaller,
  templateId: string,
  body: TemplateBody,
): Promise<ConversationTemplate> {
  requireManager(caller);
  const current = await deps.templates.get(templateId);
  if (!current) throw notFound('Template');
  const template: ConversationTemplate = {
    ...body,
    id: templateId,
    createdBy: current.createdBy,
    createdAt: current.createdAt,
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.templates.put(template);
  deps.telemetry.event('TemplateChanged', { action: 'replaced', type: template.type });
  return template;
}

export async function deleteTemplate(deps: TemplateDeps, caller: RoleCaller, templateId: string): Promise<void> {
  requireManager(caller);
  if (!(await deps.templates.delete(templateId))) throw notFound('Template');
  deps.telemetry.event('TemplateChanged', { action: 'deleted' });
}

/**
 * The template to use: the named one if it exists and is active, else (none named) the newest active template of
 * the type. null when there is no usable one: callers fall back to their defaults.
 */
export async function activeTemplate(
  deps: Pick<AppDeps, 'templates'>,
  want: { templateId?: string | null; type: TemplateType },
): Promise<ConversationTemplate | null> {
  if (want.templateId) {
    const t = await deps.templates.get(want.templateId);
    return t?.isActive ? t : null;
  }
  return (await deps.templates.list()).find((t) => t.isActive && t.type === want.type) ?? null;
}

/** The quick replies a conversation offers now: its template's while that template is active, else none. */
export async function activeSuggestedResponses(
  deps: Pick<AppDeps, 'templates'>,
  templateId: string | null | undefined,
): Promise<string[]> {
  if (!templateId) return [];
  const t = await deps.templates.get(templateId);
  return t?.isActive ? t.suggestedResponses : [];
}
