import { expect } from 'vitest';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  contentType: string | null;
  headers: Headers;
}

/** A thin HTTP client for tests: JSON in, JSON out, never throws on status. */
export function apiClient(baseUrl: string) {
  async function call<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; root?: boolean } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined;
    if (method === 'GET' || method === 'HEAD') payload = undefined;
    else if (opts.raw !== undefined) payload = opts.raw;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    // why: `root` routes (the seed hubs' /hubs/... negotiate) are served at the site root, not under /api
    const prefix = opts.root === true ? '' : 'api/';
    const res = await fetch(`${baseUrl}/${prefix}${path.replace(/^\//, '')}`, { method, headers, body: payload });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.status, body: body as T, contentType: res.headers.get('content-type'), headers: res.headers };
  }
  async function token(userId: string): Promise<string> {
    const r = await call<{ token: string }>('POST', 'dev/token', { body: { userId } });
    expect(r.status).toBe(200);
    return r.body.token;
  }
  return { call, token };
}

export const M = 'v1/messaging';

/** Asserts an RFC 9457 problem answer with the status and a detail that says something. */
export function expectProblem(r: ApiResponse, status: number, detailPattern?: RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.contentType).toMatch(/^application\/problem\+json/);
  expect(typeof r.body.detail).toBe('string');
  expect(r.body.detail.length).toBeGreaterThan(3);
  expect(r.body.status).toBe(status);
  if (detailPattern) expect(r.body.detail).toMatch(detailPattern);
}
