import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { AppError, type ErrorKind } from '../domain/errors.js';
import type { Push } from '../domain/events.js';
import { LIMITS } from '../domain/limits.js';
import { getRuntime, type Runtime } from './container.js';
import { deliver } from './delivery.js';
import { API_SECURITY_HEADERS } from './security-headers.js';
import { describeZodError } from './validation.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Realtime pushes, sent through the SignalR output binding after the state is durable. */
  pushes?: Push[];
}

export interface HttpInput<P, Q, B> {
  userId: string;
  roles: string[];
  params: P;
  query: Q;
  body: B;
  runtime: Runtime;
  request: HttpRequest;
  context: InvocationContext;
}

interface Spec<P, Q, B> {
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** default true: every route needs a bearer token unless it says otherwise */
  auth?: boolean;
}

const EMPTY = z.strictObject({});

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** RFC 9457 problem details. */
export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    jsonBody: { type: `urn:chat-backend:problem:${code}`, title: code, status, detail, code, ...extra },
  };
}

function toProblem(e: unknown, context: InvocationContext, correlationId: string): HttpResponseInit {
  if (e instanceof AppError) {
    const headers: Record<string, string> = {};
    if (e.extra.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.extra.retryAfterSeconds);
    if (e.kind === 'unauthorized') headers['www-authenticate'] = 'Bearer';
    return problem(STATUS[e.kind], e.code, e.detail, e.extra.errors ? { errors: e.extra.errors } : {}, headers);
  }
  context.error(
    JSON.stringify({
      level: 'error',
      message: 'unhandled error',
      correlationId,
      function: context.functionName,
      error: e instanceof Error ? e.stack : String(e),
    }),
  );
  return problem(
    500,
    'INTERNAL',
    'the server failed to handle the request; it was logged and nothing you sent was lost if you got no answer: retry with the same clientMessageId',
  );
}

async function readJson(req: HttpRequest): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > LIMITS.requestBodyBytes)
    throw new AppError(
      'too_large',
      'REQUEST.TOO_LARGE',
      `request body is ${declared} bytes; the limit is ${LIMITS.requestBodyBytes}`,
    );
  const text = await req.text();
  const size = Buffer.byteLength(text);
  if (size > LIMITS.requestBodyBytes)
    throw new AppError(
      'too_large',
      'REQUEST.TOO_LARGE',
      `request body is ${size} bytes; the limit is ${LIMITS.requestBodyBytes}`,
    );
  if (text.trim() === '') return undefined;
  const type = req.headers.get('content-type');
  if (type !== null && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new AppError(
      'validation',
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      `content-type must be application/json, not ${type}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AppError(
      'validation',
      'REQUEST.MALFORMED_JSON',
      `request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const { detail, errors } = describeZodError(r.error, where);
  throw new AppError('validation', `REQUEST.INVALID_${where.toUpperCase()}`, detail, { errors });
}

/** Wraps a route: authenticate, validate, run, map errors to problem+json, push realtime events. */
export function httpHandler<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: Spec<P, Q, B>,
  run: (input: HttpInput<P, Q, B>) => Promise<Reply>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    // why: one id ties the client's report, our logs and App Insights together
    const correlationId = request.headers.get('x-correlation-id')?.slice(0, 128) ?? context.invocationId;
    const withId = (res: HttpResponseInit): HttpResponseInit => ({
      ...res,
      headers: {
        ...API_SECURITY_HEADERS,
        ...(res.headers as Record<string, string>),
        'x-correlation-id': correlationId,
      },
    });
    try {
      const runtime = await getRuntime();
      const { userId, roles } =
        spec.auth === false
          ? { userId: '', roles: [] }
          : await runtime.auth.authenticate(request.headers.get('authorization'));
      const params = spec.params ? parse(spec.params, { ...request.params }, 'path') : ({} as P);
      const query = parse(
        spec.query ?? (EMPTY as unknown as z.ZodType<Q>),
        Object.fromEntries(request.query.entries()),
        'query',
      );
      let body = undefined as B;
      if (spec.body) {
        const raw = await readJson(request);
        if (raw === undefined)
          throw new AppError('validation', 'REQUEST.BODY_REQUIRED', 'a JSON request body is required');
        body = parse(spec.body, raw, 'body');
      }
      const reply = await run({ userId, roles, params, query, body, runtime, request, context });
      if (reply.pushes) await deliver(context, runtime, reply.pushes);
      if (reply.body === undefined) return withId({ status: reply.status, headers: reply.headers });
      return withId({
        status: reply.status,
        headers: { 'content-type': 'application/json', ...reply.headers },
        jsonBody: reply.body,
      });
    } catch (e) {
      return withId(toProblem(e, context, correlationId));
    }
  };
}
