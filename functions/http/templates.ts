import { z } from 'zod';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  replaceTemplate,
} from '../../shared/app/templates.js';
import { TemplateBodySchema, TemplateParamsSchema, TemplateSchema } from '../../shared/domain/templates.js';
import { route } from '../../shared/runtime/routes.js';

const BASE = 'v1/messaging/templates';
const ONE = `${BASE}/{templateId}`;
const ROLE = '(token role Templates.Manage)';

route(
  {
    name: 'templates-list',
    method: 'GET',
    path: BASE,
    summary: `Every conversation template ${ROLE}`,
    response: z.object({ templates: z.array(TemplateSchema) }).describe('TemplateList'),
  },
  async ({ runtime, userId, roles }) => ({ status: 200, body: await listTemplates(runtime.deps, { userId, roles }) }),
);

route(
  {
    name: 'templates-create',
    method: 'POST',
    path: BASE,
    summary: `Create a conversation template ${ROLE}`,
    body: TemplateBodySchema,
    response: TemplateSchema,
    success: 201,
  },
  async ({ runtime, userId, roles, body }) => ({
    status: 201,
    body: await createTemplate(runtime.deps, { userId, roles }, body),
  }),
);

route(
  {
    name: 'templates-get',
    method: 'GET',
    path: ONE,
    summary: `One conversation template ${ROLE}`,
    params: TemplateParamsSchema,
    response: TemplateSchema,
  },
  async ({ runtime, userId, roles, params }) => ({
    status: 200,
    body: await getTemplate(runtime.deps, { userId, roles }, params.templateId),
  }),
);

route(
  {
    name: 'templates-replace',
    method: 'PUT',
    path: ONE,
    summary: `Replace a conversation template ${ROLE}; isActive: false keeps it but stops its use`,
    params: TemplateParamsSchema,
    body: TemplateBodySchema,
    response: TemplateSchema,
  },
  async ({ runtime, userId, roles, params, body }) => ({
    status: 200,
    body: await replaceTemplate(runtime.deps, { userId, roles }, params.templateId, body),
  }),
);

route(
  {
    name: 'templates-delete',
    method: 'DELETE',
    path: ONE,
    summary: `Delete a conversation template ${ROLE}`,
    params: TemplateParamsSchema,
    success: 204,
  },
  async ({ runtime, userId, roles, params }) => {
    await deleteTemplate(runtime.deps, { userId, roles }, params.templateId);
    return { status: 204 };
  },
);
