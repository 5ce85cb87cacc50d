import { app, type HttpMethod } from '@azure/functions';
import type { z } from 'zod';
import { PUSH_OUTPUTS } from './bindings.js';
import { type HttpInput, httpHandler, type Reply } from './http.js';

/** What the OpenAPI document says of a route; filled by `route()` so docs and code cannot drift. */
export interface RouteDoc {
  name: string;
  method: HttpMethod;
  /** Functions route template, without the `api/` prefix. */
  path: string;
  /** Served at the site root (the seed hubs' `/hubs/...` URLs) instead of under `api/`. */
  root?: boolean;
  summary: string;
  auth: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** A multipart/form-data body (read by the route itself): the file part's name and the other fields. */
  multipart?: { file: string; fields: z.ZodType };
  /** Schema of the success body, for the OpenAPI document (filled in as routes get one). */
  response?: z.ZodType;
  success: number;
}

export const ROUTES: RouteDoc[] = [];

/** Registers one HTTP function (one method of one path) and records it for the OpenAPI document. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  doc: {
    name: string;
    method: HttpMethod;
    path: string;
    root?: boolean;
    summary: string;
    success?: number;
    auth?: boolean;
    params?: z.ZodType<P>;
    query?: z.ZodType<Q>;
    body?: z.ZodType<B>;
    multipart?: { file: string; fields: z.ZodType };
    response?: z.ZodType;
  },
  run: (input: HttpInput<P, Q, B>) => Promise<Reply>,
): void {
  ROUTES.push({ success: 200, auth: true, ...doc });
  app.http(doc.name, {
    methods: [doc.method],
    // why: host.json's routePrefix is "" so the seed hubs can live at /hubs/...; every other route keeps /api/
    route: doc.root ? doc.path : `api/${doc.path}`,
    authLevel: 'anonymous', // why: every route checks the bearer token itself (see shared/runtime/auth.ts)
    extraOutputs: PUSH_OUTPUTS,
    handler: httpHandler(doc, run),
  });
}
