import { z } from 'zod';
import { RESPONSES } from '../contracts/responses.js';
import type { HubMethodDoc } from './hub.js';
import type { RouteDoc } from './routes.js';

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): Json => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

/** Path and query schemas become OpenAPI parameters, one per property. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema,
  }));
}

const PROBLEM = {
  description: 'Problem details (RFC 9457)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

/** Hub methods with their argument schemas, as an OpenAPI extension (`x-signalr-hubs`). */
function hubs(methods: HubMethodDoc[]): Json {
  const out: Record<string, { methods: Record<string, Json> }> = {};
  for (const m of methods)
    (out[m.hub] ??= { methods: {} }).methods[m.method] = { summary: m.summary, arguments: jsonSchema(m.args) };
  return out;
}

/** A multipart/form-data upload: its text fields from the schema plus the file part (binary). */
function multipartBody(m: NonNullable<RouteDoc['multipart']>): Json {
  const fields = jsonSchema(m.fields) as { properties?: Record<string, Json>; required?: string[] };
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: { ...fields.properties, [m.file]: { type: 'string', format: 'binary' } },
          required: [...(fields.required ?? []), m.file],
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document of every registered route and hub method, generated from the schemas that validate them. */
export function buildOpenApi(routes: RouteDoc[], hubMethods: HubMethodDoc[], serverUrl: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = r.root ? `/${r.path}` : `/api/${r.path}`;
    const response = r.response ?? RESPONSES[r.name];
    const op: Json = {
      operationId: r.name,
      summary: r.summary,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: {
        [String(r.success)]: {
          description: r.success === 204 ? 'Done, no content' : 'Success',
          ...(response && {
            content: {
              'application/json': { schema: z.toJSONSchema(response, { io: 'output', unrepresentable: 'any' }) },
            },
          }),
        },
        '400': PROBLEM,
        ...(r.auth && { '401': PROBLEM, '403': PROBLEM, '404': PROBLEM }),
        '413': PROBLEM,
      },
      ...(r.auth && { security: [{ bearer: [] }] }),
      ...(r.body && {
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } },
      }),
      ...(r.multipart && { requestBody: multipartBody(r.multipart) }),
    };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chat backend messaging API',
      version: '1.0.0',
      description: 'Generated from the zod schemas that validate every request.',
    },
    servers: [{ url: serverUrl }],
    paths,
    'x-signalr-hubs': hubs(hubMethods),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            errors: { type: 'array' },
          },
        },
      },
    },
  };
}
