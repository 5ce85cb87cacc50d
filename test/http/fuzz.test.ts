import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { DIALECT_HUBS } from '../../shared/contracts/dialects.js';
import { HUB_METHODS } from '../../shared/runtime/hub.js';
import { ROUTES } from '../../shared/runtime/routes.js';
import { apiClient, M } from '../support/api.js';
import { startFakeTranslator } from '../support/fake-translator.js';
import { connectClient, type TestClient } from '../support/hub.js';
import { arbitraryOf, hostileString, hostileValue, type JsonSchema, mutated } from '../support/json-arbitrary.js';

/**
 * Property-based fuzzing of every HTTP route and hub method, from the same zod schemas that validate them (through
 * their JSON Schema) and from hostile generators. Properties: never a 5xx (hub: never the internal-error text), never
 * a hang, and a refused call writes nothing (the caller's inbox and the conversation's lastSeq stay as they were).
 * Time-boxed: each property stops after its budget, however many runs that is.
 */
const HTTP_BUDGET_MS = 45_000; // attachments, templates and booking events added routes
const HUB_BUDGET_MS = 12_000;
const REQUEST_TIMEOUT_MS = 8_000;
const USERS = 12;

const schemaOf = (s: z.ZodType | undefined): JsonSchema | undefined =>
  s === undefined ? undefined : (z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema);

/** A path segment as a client could send it; lone surrogates cannot be percent-encoded, so they go as broken UTF-8. */
const segment = (v: string): string => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

describe('fuzz: every route and hub method, from the schemas and from hostile input', () => {
  let stack: LocalStack;
  let translator: Awaited<ReturnType<typeof startFakeTranslator>>;
  let api: ReturnType<typeof apiClient>;
  const users: { id: string; token: string }[] = [];
  let conversationId = '';
  /** Where leaving and removing go, so the other routes keep a conversation every fuzz user is in. */
  let scratchId = '';
  /** An upload of fz0's, sent in the conversation (what the attachment routes act on). */
  let attachmentId = '';
  const clients: TestClient[] = [];

  beforeAll(async () => {
    // why: translation routes are fuzzed against a Translator (a local fake speaking its API), not only its absence
    translator = await startFakeTranslator();
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      blobs: true,
      // why: every run sends a fresh message ('fuzz me') to act on; the send limit and the spam guard's repeat rule
      // would otherwise end that after a minute (the spam guard has its own tests: test/app/content-pipeline.test.ts)
      env: {
        LOG_LEVEL: 'error',
        RATE_LIMIT_SEND_PER_MINUTE: '1000000',
        SPAM_REPEAT_MAX: '1000000',
        TRANSLATOR_ENDPOINT: translator.endpoint,
        TRANSLATOR_KEY: translator.key,
      },
    });
    api = apiClient(stack.baseUrl);
    for (let i = 0; i < USERS; i++) users.push({ id: `fz${i}`, token: await api.token(`fz${i}`) });
    const owner = users[0] as { token: string };
    const group = async () =>
      (
        await api.call('POST', `${M}/conversations`, {
          token: owner.token,
          body: { type: 'group', participants: users.slice(1).map((u) => u.id), title: 'fuzz' },
        })
      ).body.conversationId as string;
    conversationId = await group();
    scratchId = await group();
    const form = new FormData();
    form.set('type', 'document');
    form.set('file', new Blob(['fuzz file\n'], { type: 'text/plain' }), 'f.txt');
    const up = await fetch(`${stack.baseUrl}/api/${M}/attachments/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
      body: form,
    });
    attachmentId = ((await up.json()) as { attachmentId: string }).attachmentId;
    await api.call('POST', `${M}/conversations/${conversationId}/messages`, {
      token: owner.token,
      body: { type: 'file', attachments: [{ attachmentId }] },
    });
  }, 60_000);

  /** A message of the caller's to react to, edit or delete (the previous one may be gone by now). */
  const freshMessage = async (token: string): Promise<string> =>
    (await api.call('POST', `${M}/conversations/${conversationId}/messages`, { token, body: { content: 'fuzz me' } }))
      .body?.message?.id ?? `${conversationId}.1`;
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await stack?.stop();
    await translator?.stop();
  });

  /** What a refused call must leave unchanged. */
  const snapshot = async (token: string) => {
    const [conversation, inbox] = await Promise.all([
      api.call('GET', `${M}/conversations/${conversationId}`, { token: (users[0] as { token: string }).token }),
      api.call('GET', `${M}/conversations?pageSize=100`, { token }),
    ]);
    return {
      lastSeq: conversation.body?.conversation?.lastSeq as number | undefined,
      inbox: (inbox.body.conversations as { conversationId: string; lastSeq: number }[]).map(
        (e) => `${e.conversationId}@${e.lastSeq}`,
      ),
    };
  };

  /** A real id (filled in per run: FRESH is the caller's new message), another user's, a missing one, or hostile. */
  const FRESH = '\u0000fresh';
  const idValue = (route: string, name: string): fc.Arbitrary<string> => {
    const leaving = route === 'conversations-leave' || route === 'participants-remove';
    const real =
      name === 'messageId'
        ? FRESH
        : name === 'userId'
          ? 'fz1'
          : name === 'attachmentId'
            ? attachmentId
            : leaving
              ? scratchId
              : conversationId;
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant(real) },
      { weight: 1, arbitrary: fc.constantFrom(...users.map((u) => u.id), `${conversationId}.999`, 'c_missing') },
      { weight: 1, arbitrary: hostileString },
    );
  };

  it('when any route gets schema-shaped or hostile params, query and body, then never a 5xx or a hang, and a 4xx writes nothing', async () => {
    const seen = new Map<string, number>();
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const routes = ROUTES.filter((r) => r.name !== 'openapi' && r.name !== 'health');
    expect(routes.length).toBeGreaterThan(35);
    const arbitraryFor = (route: (typeof routes)[number]) => {
      const params = schemaOf(route.params)?.properties ?? {};
      const query = schemaOf(route.query);
      const body = schemaOf(route.body);
      const valid = arbitraryOf(body);
      return fc.record({
        route: fc.constant(route),
        caller: fc.nat({ max: USERS - 1 }),
        params: fc.record(Object.fromEntries(Object.keys(params).map((k) => [k, idValue(route.name, k)]))),
        query: fc.oneof(
          { weight: 4, arbitrary: query ? arbitraryOf(query) : fc.constant({}) },
          {
            weight: 1,
            arbitrary: fc.dictionary(
              fc.oneof(hostileString, fc.constantFrom(...Object.keys(query?.properties ?? { x: 1 }))),
              hostileString,
              { maxKeys: 3 },
            ),
          },
        ),
        body: route.body
          ? fc.oneof(
              { weight: 5, arbitrary: valid },
              { weight: 3, arbitrary: mutated(valid) },
              { weight: 1, arbitrary: hostileValue },
            )
          : fc.constant(undefined),
        // why: now and then a body that is not JSON at all
        raw: fc.oneof(
          { weight: 14, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.oneof(hostileString, fc.constant('{"a":')) },
        ),
      });
    };
    const input = fc.constantFrom(...routes).chain(arbitraryFor);
    // why: one example per route runs first, so every route is exercised however few runs a loaded machine allows
    const examples = routes.flatMap((r) =>
      fc.sample(arbitraryFor(r), { numRuns: 1, seed: 42 }).map((v) => [v] as [typeof v]),
    );

    const out = await fc.check(
      fc.asyncProperty(input, async ({ route, caller, params, query, body, raw }) => {
        const who = users[caller] as { id: string; token: string };
        let path = route.path;
        for (const [k, v] of Object.entries(params)) {
          const value = v === FRESH ? await freshMessage(who.token) : String(v);
          path = path.replace(`{${k}}`, segment(value));
        }
        const qs = new URLSearchParams(
          Object.entries(query as Record<string, unknown>).map(([k, v]): [string, string] => [
            k,
            typeof v === 'string' ? v : JSON.stringify(v),
          ]),
        ).toString();
        const writes = route.method !== 'GET';
        const before = writes ? await snapshot(who.token) : undefined;
        const payload = route.body ? (raw ?? JSON.stringify(body)) : undefined;
        let status: number;
        let text: string;
        try {
          // why: `root` routes (the seed hubs' negotiate) are served at the site root
          const base = route.root === true ? stack.baseUrl : `${stack.baseUrl}/api`;
          const res = await fetch(`${base}/${path}${qs ? `?${qs}` : ''}`, {
            method: route.method,
            headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
            body: payload,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          status = res.status;
          text = await res.text();
        } catch (e) {
          failures.push(`${route.name}: no answer (${String(e)})`);
          return false;
        }
        seen.set(route.name, (seen.get(route.name) ?? 0) + 1);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) {
          failures.push(`${route.method} ${path}?${qs} ${payload?.slice(0, 300)} → ${status} ${text.slice(0, 300)}`);
          return false;
        }
        if (before && status >= 400) {
          const after = await snapshot(who.token);
          if (JSON.stringify(after) !== JSON.stringify(before)) {
            failures.push(`${route.name} answered ${status} but changed state: ${text.slice(0, 200)}`);
            return false;
          }
        }
        return true;
      }),
      {
        numRuns: 1_000_000,
        interruptAfterTimeLimit: HTTP_BUDGET_MS,
        markInterruptAsFailure: false,
        seed: Date.now(),
        examples,
      },
    );
    console.info(
      `fuzz http: ${out.numRuns} runs over ${seen.size} routes (seed ${out.seed}); statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures, fc.defaultReportMessage(out) ?? '').toEqual([]);
    expect(out.failed).toBe(false);
    expect(out.numRuns).toBeGreaterThan(100);
    expect([...seen.keys()].sort()).toEqual(routes.map((r) => r.name).sort());
  }, 90_000);

  it('when any hub method gets schema-shaped or hostile arguments, then a result or a clear hub error, never the internal error or a hang, the connection stays usable, and a refused call writes nothing', async () => {
    const messaging = await connectClient(stack.baseUrl, (users[1] as { token: string }).token);
    clients.push(messaging);
    // why: every other hub of every dialect (the stack serves them all) on its own URL; the test client only knows /api
    const hubs = new Map<string, HubConnection>([['messaging', messaging.conn]]);
    for (const h of DIALECT_HUBS.filter((x) => x.hub !== 'messaging')) {
      const c = new HubConnectionBuilder()
        .withUrl(`${stack.baseUrl}${h.url}`, { accessTokenFactory: () => (users[1] as { token: string }).token })
        .configureLogging(LogLevel.None)
        .build();
      await c.start();
      hubs.set(h.hub, c);
    }
    const failures: string[] = [];
    const seen = new Set<string>();
    const methods = HUB_METHODS.map((m) => ({ ...m, schema: schemaOf(m.args) }));
    const arbitraryForMethod = (m: (typeof methods)[number]) =>
      fc.record({
        method: fc.constant(m),
        args: fc.oneof(
          { weight: 3, arbitrary: arbitraryOf(m.schema) as fc.Arbitrary<unknown[]> },
          {
            weight: 2,
            arbitrary: (arbitraryOf(m.schema) as fc.Arbitrary<unknown[]>).chain((a) =>
              fc
                .tuple(fc.nat({ max: Math.max(0, a.length - 1) }), hostileValue)
                .map(([i, v]) => a.map((x, j) => (i === j ? v : x))),
            ),
          },
          { weight: 1, arbitrary: fc.array(hostileValue, { maxLength: 4 }) },
          {
            weight: 2,
            arbitrary: fc
              .constant([conversationId])
              .chain((a) => fc.tuple(...a.map(fc.constant), fc.oneof(hostileString, hostileValue))),
          },
        ),
      });
    const input = fc.constantFrom(...methods).chain(arbitraryForMethod);
    // why: one example per method first, as for the routes
    const examples = methods.flatMap((m) =>
      fc.sample(arbitraryForMethod(m), { numRuns: 1, seed: 42 }).map((v) => [v] as [typeof v]),
    );
    const out = await fc.check(
      fc.asyncProperty(input, async ({ method, args }) => {
        const conn = hubs.get(method.hub);
        if (conn === undefined) throw new Error(`no connection to hub ${method.hub}`);
        const before = await snapshot((users[1] as { token: string }).token);
        seen.add(`${method.hub}.${method.method}`);
        const call = conn.invoke(method.method, ...(args as unknown[]));
        const timeout = new Promise<'hang'>((r) => setTimeout(() => r('hang'), REQUEST_TIMEOUT_MS));
        let error: string | undefined;
        try {
          if ((await Promise.race([call, timeout])) === 'hang') {
            failures.push(`${method.method}(${JSON.stringify(args).slice(0, 200)}) hung`);
            return false;
          }
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        if (error !== undefined && /failed to handle this call|connection/i.test(error)) {
          failures.push(`${method.method}(${JSON.stringify(args).slice(0, 300)}) → ${error}`);
          return false;
        }
        if (error !== undefined) {
          const after = await snapshot((users[1] as { token: string }).token);
          if (JSON.stringify(after) !== JSON.stringify(before)) {
            failures.push(`${method.method} failed (${error}) but changed state`);
            return false;
          }
        }
        return true;
      }),
      {
        numRuns: 1_000_000,
        interruptAfterTimeLimit: HUB_BUDGET_MS,
        markInterruptAsFailure: false,
        seed: Date.now(),
        examples,
      },
    );
    console.info(`fuzz hub: ${out.numRuns} runs over ${seen.size} methods (seed ${out.seed})`);
    expect(failures, fc.defaultReportMessage(out) ?? '').toEqual([]);
    for (const [hub, c] of hubs) {
      expect(await c.invoke('Ping'), hub).toBe('pong');
      if (hub !== 'messaging') await c.stop();
    }
    expect(out.numRuns).toBeGreaterThan(50);
    expect(seen.size).toBe(methods.length);
  }, 60_000);
});
