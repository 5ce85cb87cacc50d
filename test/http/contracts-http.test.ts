import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

/** A deployment that serves native and spec only: CLIENT_CONTRACTS, the seed routes at the root, conversation settings. */
describe('client contracts over HTTP', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startTestStack({ CLIENT_CONTRACTS: 'native,spec' });
    api = apiClient(stack.baseUrl);
  });
  afterAll(() => stack?.stop());

  it('when a dialect is not enabled, then its negotiate answers 404 naming the setting; enabled ones answer connection info', async () => {
    const token = await api.token('h-alice');
    const post = (path: string) =>
      fetch(`${stack.baseUrl}${path}?negotiateVersion=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    const listo = await post('/hubs/messaging/negotiate');
    expect(listo.status).toBe(404);
    expect(((await listo.json()) as { detail: string }).detail).toMatch(/CLIENT_CONTRACTS=native,spec/);
    const spec = await post('/hubs/chat/negotiate');
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { url: string }).url).toMatch(/hub=spec_chat$/);
    expect((await post('/api/negotiate')).status).toBe(200);
    expect((await post('/negotiate')).status, 'with routePrefix "" nothing moved out of /api').toBe(404);
  });

  it('when the AsyncAPI document is fetched, then it is served without a token', async () => {
    const doc = await api.call('GET', 'asyncapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.asyncapi).toBe('3.0.0');
    expect(Object.keys(doc.body.channels)).toContain('spec_chat');
  });

  it('when settings are PUT, then any subset changes at once and the answer has them all', async () => {
    const [alice, bob] = [await api.token('h-alice'), 'h-bob'];
    await api.token(bob);
    const created = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'direct', participants: [bob] },
    });
    const id = created.body.conversationId as string;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const put = (body: unknown) => api.call('PUT', `${M}/conversations/${id}/settings`, { token: alice, body });
    const r = await put({ muted: true, mutedUntil: until, pinned: true, notificationLevel: 'mentions' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      conversationId: id,
      muted: true,
      mutedUntil: until,
      archived: false,
      pinned: true,
      notificationLevel: 'mentions',
    });
    expect((await put({ muted: false })).body).toMatchObject({ muted: false, mutedUntil: null, pinned: true });
    expect((await put({})).status).toBe(400);
    const receipts = await api.call('GET', `v1/messaging/messages/receipts?ids=${id}.1,${id}.2`, { token: alice });
    expect(receipts.body).toEqual({ receipts: [], notFound: [`${id}.1`, `${id}.2`] });
    expect((await put({ archived: false, mutedUntil: until })).status).toBe(400);
    expect(
      (
        await api.call('PUT', `${M}/conversations/${id}/settings`, {
          token: await api.token('h-eve'),
          body: { pinned: true },
        })
      ).status,
    ).toBe(404);
  });
});
