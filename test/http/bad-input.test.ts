import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { ROUTES } from '../../shared/runtime/routes.js';
import { type ApiResponse, apiClient, expectProblem, M } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

/** Bad input on every route: always the right 4xx as problem+json, never a 500, nothing written. */
describe('bad input over HTTP', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let n = 0;

  /** Users and a group with one message that only the calling test uses, so each test runs alone or in any order. */
  const fixture = async () => {
    const k = ++n;
    const [aliceId, bobId, malloryId] = [`alice-${k}`, `bob-${k}`, `mallory-${k}`];
    const [alice, mallory] = await Promise.all([api.token(aliceId), api.token(malloryId)]);
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'group', participants: [bobId], title: 't' },
    });
    expect(c.status).toBe(201);
    const conversationId: string = c.body.conversationId;
    const first = await api.call('POST', `${M}/conversations/${conversationId}/messages`, {
      token: alice,
      body: { content: 'first' },
    });
    expect(first.status).toBe(201);
    const messageId: string = first.body.message.id;
    return {
      alice,
      aliceId,
      mallory,
      malloryId,
      bobId,
      conversationId,
      fill: (path: string): string =>
        path
          .replace('{conversationId}', conversationId)
          .replace('{messageId}', messageId)
          .replace('{userId}', bobId)
          .replace('{templateId}', 'tpl-none'),
      messageCount: async (): Promise<number> =>
        (await api.call('GET', `${M}/conversations/${conversationId}`, { token: alice })).body.conversation
          .lastSeq as number,
    };
  };
  /** The routes a loop below walks; pinned by name so a registry that failed to fill cannot pass vacuously. */
  const routesWhere = (pick: (r: (typeof ROUTES)[number]) => boolean, mustInclude: string[]) => {
    const routes = ROUTES.filter(pick);
    expect(routes.map((r) => r.name)).toEqual(expect.arrayContaining(mustInclude));
    return routes;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => stack?.stop());

  it('when no token, a malformed one, a forged one, alg none, an expired one or a wrong audience is sent, then every authenticated route answers 401', async () => {
    const { fill, messageCount } = await fixture();
    const secret = new TextEncoder().encode(process.env.AUTH_DEV_SECRET);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    const none = new UnsecuredJWT({})
      .setSubject('alice')
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setExpirationTime('1h')
      .encode();
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setIssuedAt(1_600_000_000)
      .setExpirationTime(1_600_000_600)
      .sign(secret);
    const wrongAud = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('chat-backend-dev')
      .setAudience('someone-else')
      .setExpirationTime('1h')
      .sign(secret);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['missing', {}, /missing Authorization/],
      ['not bearer', { authorization: 'Basic YWxpY2U6cHc=' }, /Bearer/],
      ['garbage', { authorization: 'Bearer not.a.jwt!' }, /Bearer/],
      ['forged', { authorization: `Bearer ${forged}` }, /signature/],
      ['alg none', { authorization: `Bearer ${none}` }, /rejected/],
      ['expired', { authorization: `Bearer ${expired}` }, /expired/],
      ['wrong audience', { authorization: `Bearer ${wrongAud}` }, /aud/],
    ];
    const before = await messageCount();
    const authenticated = routesWhere(
      (x) => x.auth,
      ['conversations-list', 'messages-send', 'messages-get', 'presence-get', 'negotiate', 'notifications-ack'],
    );
    expect(authenticated.map((r) => r.name)).not.toContain('dev-token');
    for (const r of authenticated) {
      for (const [label, headers, why] of cases) {
        // why: api.call prefixes /api/; the seed hubs' negotiate lives at the site root
        const res = await api.call(r.method, fill(r.root ? `../${r.path}` : r.path), { headers, body: {} });
        expect(res.status, `${r.method} ${r.path} with ${label} token`).toBe(401);
        expectProblem(res, 401, why);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    expect(await messageCount()).toBe(before);
  }, 60_000); // every authenticated route × six tokens: slow on a loaded machine

  it('when a body is malformed JSON, the wrong type, missing, has unknown fields or is over 100 KB, then every body route answers 4xx and writes nothing', async () => {
    const { alice, fill, messageCount } = await fixture();
    const before = await messageCount();
    const withBody = routesWhere(
      (x) => Boolean(x.body) && x.auth,
      [
        'conversations-create',
        'messages-send',
        'messages-edit',
        'conversations-read',
        'drafts-save',
        'presence-update',
      ],
    );
    expect(withBody.map((r) => r.name)).not.toContain('messages-list');
    for (const r of withBody) {
      const path = fill(r.path);
      const where = `${r.method} ${r.path}`;
      const check = (res: ApiResponse, status: number, why: RegExp) => {
        expect(res.status, `${where}: ${JSON.stringify(res.body)}`).toBe(status);
        expectProblem(res, status, why);
      };
      check(await api.call(r.method, path, { token: alice, raw: '{"content": "x",' }), 400, /not valid JSON/);
      check(await api.call(r.method, path, { token: alice, raw: '[1,2,3]' }), 400, /JSON object|expected object/);
      check(await api.call(r.method, path, { token: alice, raw: '"text"' }), 400, /JSON object|expected object/);
      check(await api.call(r.method, path, { token: alice }), 400, /body is required/);
      check(await api.call(r.method, path, { token: alice, body: { surprise: 1 } }), 400, /surprise/);
      check(
        await api.call(r.method, path, { token: alice, raw: JSON.stringify({ content: 'x'.repeat(110 * 1024) }) }),
        413,
        /limit is 102400/,
      );
      check(
        await api.call(r.method, path, {
          token: alice,
          raw: 'content=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        400,
        /content-type/,
      );
    }
    expect(await messageCount()).toBe(before);
  });

  it('when ids are unknown or belong to a conversation the caller is not in, then 404 without saying which', async () => {
    const { alice, mallory, bobId, conversationId, fill } = await fixture();
    const scoped = routesWhere(
      (x) => x.auth && x.path.includes('{conversationId}'),
      ['conversations-get', 'messages-send', 'messages-get', 'participants-remove', 'drafts-save', 'typing-get'],
    );
    for (const r of scoped) {
      for (const [label, path, token] of [
        [
          'unknown conversation',
          r.path
            .replace('{conversationId}', 'c_doesnotexist')
            .replace('{messageId}', 'c_doesnotexist.1')
            .replace('{userId}', bobId),
          alice,
        ],
        ["someone else's conversation", fill(r.path), mallory],
      ] as const) {
        const query = r.name === 'messages-search-conversation' ? '?query=x' : '';
        const res = await api.call(r.method, path + query, { token, body: sampleBody(r.name, bobId) });
        expect(res.status, `${r.method} ${r.path} (${label}): ${JSON.stringify(res.body)}`).toBe(404);
        expectProblem(res, 404, /not found/);
      }
    }
    const unknownMessage = await api.call(
      'GET',
      `${M}/conversations/${conversationId}/messages/${conversationId}.999`,
      { token: alice },
    );
    expectProblem(unknownMessage, 404, /Message not found/);
  });

  it('when fields have the wrong types or values, then 400 names the field and nothing is written', async () => {
    const { alice, aliceId, malloryId, bobId, conversationId, messageCount } = await fixture();
    const before = await messageCount();
    const send = (body: unknown) =>
      api.call('POST', `${M}/conversations/${conversationId}/messages`, { token: alice, body });
    expectProblem(await send({ content: 'x'.repeat(4001) }), 400, /content.*4000/);
    expectProblem(await send({ content: 42 }), 400, /content/);
    expectProblem(await send({ content: '   ' }), 400, /non-empty/);
    expectProblem(await send({ content: 'x', type: 'video' }), 400, /type/);
    expectProblem(await send({ content: 'x', mentions: [malloryId] }), 400, new RegExp(malloryId));
    expectProblem(await send({ content: 'x', replyToMessageId: `${conversationId}.77` }), 400, /replyToMessageId/);
    expectProblem(await send({ type: 'image', content: '' }), 400, /attachment/);
    expectProblem(await send({ content: 'x', clientMessageId: 'has spaces/slash' }), 400, /clientMessageId/);
    expectProblem(
      await send({
        content: 'x',
        attachments: [{ type: 'image', url: 'not a url', fileName: 'a', mimeType: 'image/png', size: 1 }],
      }),
      400,
      /url/,
    );
    expect(await messageCount()).toBe(before);

    expectProblem(
      await api.call('GET', `${M}/conversations/${conversationId}/messages?limit=0`, { token: alice }),
      400,
      /limit/,
    );
    expectProblem(
      await api.call('GET', `${M}/conversations/${conversationId}/messages?limit=abc`, { token: alice }),
      400,
      /limit/,
    );
    expectProblem(
      await api.call('GET', `${M}/conversations/${conversationId}/messages?after=other.3`, { token: alice }),
      400,
      /after/,
    );
    expectProblem(
      await api.call('GET', `${M}/conversations/${conversationId}/messages?includeDeleted=yes`, { token: alice }),
      400,
      /includeDeleted/,
    );
    expectProblem(await api.call('GET', `${M}/conversations?type=secret`, { token: alice }), 400, /type/);
    expectProblem(await api.call('GET', `${M}/conversations?pageSize=1000`, { token: alice }), 400, /pageSize/);
    expectProblem(await api.call('GET', `${M}/conversations?bogus=1`, { token: alice }), 400, /bogus/);
    expectProblem(
      await api.call('POST', `${M}/conversations/${conversationId}/read`, { token: alice, body: { seq: -1 } }),
      400,
      /seq/,
    );
    expectProblem(
      await api.call('POST', `${M}/conversations/${conversationId}/read`, { token: alice, body: { seq: '3' } }),
      400,
      /seq/,
    );
    expectProblem(
      await api.call('POST', `${M}/conversations`, { token: alice, body: { type: 'direct', participants: [] } }),
      400,
      /participant/,
    );
    expectProblem(
      await api.call('POST', `${M}/conversations`, {
        token: alice,
        body: { type: 'direct', participants: [bobId, 'carol'] },
      }),
      400,
      /exactly one/,
    );
    expectProblem(
      await api.call('POST', `${M}/conversations`, { token: alice, body: { type: 'booking', participants: [bobId] } }),
      400,
      /bookingId/,
    );
    expectProblem(
      await api.call('POST', `${M}/conversations/${conversationId}/mute`, {
        token: alice,
        body: { muted: true, until: 'tomorrow' },
      }),
      400,
      /until/,
    );
    expectProblem(
      await api.call('POST', `${M}/conversations/${conversationId}/mute`, {
        token: alice,
        body: { muted: true, until: '2001-01-01T00:00:00Z' },
      }),
      400,
      /future/,
    );
    expectProblem(await api.call('POST', `${M}/blocks`, { token: alice, body: { userId: aliceId } }), 400, /yourself/);
    expectProblem(await api.call('GET', `${M}/messages/search?query=`, { token: alice }), 400, /query/);
    expectProblem(
      await api.call('GET', `${M}/messages/search?query=a&startDate=2026-02-01&endDate=2026-01-01`, { token: alice }),
      400,
      /startDate/,
    );
  });

  it('when the OpenAPI document is fetched, then it lists every route with the schemas that validate it', async () => {
    const doc = await api.call('GET', 'openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const r of ROUTES)
      expect(
        doc.body.paths[r.root ? `/${r.path}` : `/api/${r.path}`]?.[r.method.toLowerCase()]?.operationId,
        `${r.method} ${r.path}`,
      ).toBe(r.name);
    const send = doc.body.paths['/api/v1/messaging/conversations/{conversationId}/messages'].post;
    const body = send.requestBody.content['application/json'].schema;
    expect(body.properties.content.maxLength).toBe(4000);
    expect(body.additionalProperties).toBe(false);
    expect(send.security).toEqual([{ bearer: [] }]);
    const hubs = doc.body['x-signalr-hubs'];
    expect(Object.keys(hubs.messaging.methods)).toEqual(
      expect.arrayContaining(['SendMessage', 'MarkAsRead', 'JoinConversation', 'Ping']),
    );
    expect(hubs.messaging.methods.SendMessage.arguments.prefixItems[0].properties.content.maxLength).toBe(4000);
    expect(Object.keys(hubs.notifications.methods)).toContain('SubscribeToChannel');
    expect(doc.body.paths['/api/v1/messaging/conversations'].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['type', 'archived', 'page', 'pageSize', 'continuationToken']),
    );
  });

  it('when a path or method does not exist, then 404 or 405 as problem+json', async () => {
    const { alice } = await fixture();
    expectProblem(await api.call('GET', 'v1/messaging/nothing-here', { token: alice }), 404);
    const tagged = await api.call('GET', `${M}/conversations/nope`, {
      token: alice,
      headers: { 'x-correlation-id': 'req-42' },
    });
    expect(tagged.headers.get('x-correlation-id')).toBe('req-42');
    const wrongMethod = await api.call('PATCH', `${M}/conversations`, { token: alice, body: {} });
    expectProblem(wrongMethod, 405, /GET, POST|POST, GET/);
  });
});

/** A valid body for a route, so that the 404 comes from the missing conversation and not from validation. */
function sampleBody(name: string, participant: string): unknown {
  const bodies: Record<string, unknown> = {
    'conversations-update': { title: 'x' },
    'participants-add': { userIds: ['zed'] },
    'participants-remove': { userId: participant },
    'participants-role': { role: 'admin' },
    'conversations-mute': { muted: false },
    'conversations-archive': { archived: true },
    'conversations-pin': { pinned: true },
    'conversations-notifications': { level: 'none' },
    'conversations-settings': { pinned: true },
    'messages-send': { content: 'x' },
    'messages-edit': { content: 'x' },
    // why: the target does not exist either, so the answer is 404 whichever of source and target is checked first
    'messages-forward': { conversationIds: ['c_doesnotexist'] },
    'reactions-add': { reaction: '👍' },
    'reactions-remove': { reaction: '👍' },
    'conversations-read': { seq: 1 },
    'drafts-save': { content: 'x' },
    'messages-translate': { targetLanguage: 'de' },
    'conversations-auto-translate': { enabled: false },
  };
  return bodies[name];
}
