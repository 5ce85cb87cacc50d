import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/*
 * Booking conversations end to end: events go through POST /api/dev/queues/booking-events onto the local broker,
 * the real booking-events consumer (app.serviceBusQueue through the local host) handles them.
 */
describe('booking events over the local stack (local broker → booking-events consumer)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let manager: string;
  let n = 0;
  const k = `${Date.now().toString(36)}`;

  const until = async <T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const event = (over: Record<string, unknown>) => ({
    eventId: `ev-${k}-${++n}`,
    type: 'created',
    occurredAt: '2026-11-22T09:00:00.000Z',
    ...over,
  });
  const send = async (e: Record<string, unknown>) => {
    const r = await api.call('POST', 'dev/queues/booking-events', { body: e });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const messages = async (token: string, id: string) =>
    (await api.call('GET', `${M}/conversations/${id}/messages`, { token })).body.messages as {
      seq: number;
      content: string;
      systemMessageType?: string;
    }[];
  /** Waits until the conversation has `count` messages (the consumer runs asynchronously). */
  const settled = (token: string, id: string, count: number) =>
    until(async () => {
      const r = await api.call('GET', `${M}/conversations/${id}/messages`, { token });
      return r.status === 200 && r.body.messages.length >= count ? (r.body.messages as unknown[]) : undefined;
    });

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      queueDir: mkdtempSync(join(tmpdir(), 'booking-queues-')),
    });
    api = apiClient(stack.baseUrl);
    const r = await api.call('POST', 'dev/token', { body: { userId: `ops-${k}`, roles: ['Templates.Manage'] } });
    manager = r.body.token;
  });
  afterAll(async () => stack?.stop());

  it('when the booking system sends lifecycle events, then the parties get one conversation with one typed message per event; repeats post once, older events change nothing', async () => {
    const created = await api.call('POST', `${M}/templates`, {
      token: manager,
      body: {
        name: 'booking',
        type: 'booking',
        initialMessage: 'Chat for booking {bookingId} with {customerName}',
        suggestedResponses: ['OK'],
        automationRules: [{ event: 'confirmed', message: 'Confirmed by {providerName} for {date}' }],
      },
    });
    expect(created.status).toBe(201);
    const [cust, prov, mallory] = [`cust-${k}`, `prov-${k}`, `mallory-${k}`];
    const [tc, tp, tm] = await Promise.all([api.token(cust), api.token(prov), api.token(mallory)]);
    const bookingId = `bk-${k}`;
    const id = `bk_${bookingId}`;
    const parties = { bookingId, customerId: cust, providerId: prov };

    // squatting: before any event nobody can make the conversation, and the answer is the plain 404
    const squat = await api.call('POST', `${M}/conversations`, {
      token: tm,
      body: { type: 'booking', bookingId, participants: [cust] },
    });
    expectProblem(squat, 404);
    expect(squat.body.code).toBe('CONVERSATION.NOT_FOUND');

    const confirmed = event({
      ...parties,
      type: 'confirmed',
      occurredAt: '2026-11-22T10:00:00.000Z',
      data: { providerName: 'Paws', date: 'Dec 1' },
    });
    await send(
      event({ ...parties, type: 'created', occurredAt: '2026-11-22T09:00:00.000Z', data: { customerName: 'Ana' } }),
    );
    await settled(tc, id, 2);
    await send(confirmed);
    await send(confirmed); // the same event again (the booking system retried)
    await send(event({ ...parties, type: 'created', occurredAt: '2026-11-22T08:00:00.000Z' })); // older: stale
    await send(event({ ...parties, type: 'started', occurredAt: '2026-11-22T11:00:00.000Z' }));
    await settled(tc, id, 4);
    // give a stray duplicate time to show up if it were going to
    await new Promise((r) => setTimeout(r, 500));
    const ms = await messages(tc, id);
    expect(ms.map((m) => [m.seq, m.systemMessageType, m.content])).toEqual([
      [1, 'conversation_created', `Chat for booking ${bookingId} with Ana`],
      [2, 'booking_created', `Booking ${bookingId} was created.`],
      [3, 'booking_confirmed', 'Confirmed by Paws for Dec 1'],
      [4, 'booking_started', 'The service has started.'],
    ]);

    // the parties open it over HTTP (200, not created); everyone else gets the same 404 as for any conversation
    const opened = await api.call('POST', `${M}/conversations`, {
      token: tp,
      body: { type: 'booking', bookingId, participants: [cust] },
    });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ conversationId: id, created: false });
    const detail = await api.call('GET', `${M}/conversations/${id}`, { token: tp });
    expect(detail.body.suggestedResponses).toEqual(['OK']);
    expect(detail.body.conversation).toMatchObject({ createdBy: 'system', booking: { status: 'started' } });
    for (const r of [
      await api.call('POST', `${M}/conversations`, {
        token: tm,
        body: { type: 'booking', bookingId, participants: [cust] },
      }),
      await api.call('GET', `${M}/conversations/${id}`, { token: tm }),
      await api.call('GET', `${M}/conversations/no-such-conversation-${k}`, { token: tm }),
    ]) {
      expectProblem(r, 404);
      expect(r.body.code).toBe('CONVERSATION.NOT_FOUND');
    }
  });

  it('when a malformed booking event is posted, then 400 names the field and nothing is enqueued', async () => {
    const r = await api.call('POST', 'dev/queues/booking-events', {
      body: event({ bookingId: 'b', customerId: 'same', providerId: 'same', type: 'teleported' }),
    });
    expectProblem(r, 400, /type|providerId/);
  });

  it('when the booking event schema is fetched, then it is the JSON Schema the consumer validates with', async () => {
    const r = await api.call('GET', 'schemas/booking-event.json');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      $id: '/api/schemas/booking-event.json',
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['eventId', 'type', 'bookingId', 'customerId', 'providerId', 'occurredAt']),
    });
    expect(r.body.properties.type.enum).toEqual([
      'created',
      'confirmed',
      'provider_en_route',
      'started',
      'completed',
      'cancelled',
    ]);
  });

  it('when templates are managed over HTTP, then only the Templates.Manage role gets in and inactive ones are kept but unused', async () => {
    const plain = await api.token(`plain-${k}`);
    const body = { name: 'x', type: 'emergency', initialMessage: 'Help is coming' };
    expectProblem(await api.call('GET', `${M}/templates`, { token: plain }), 403);
    expectProblem(await api.call('POST', `${M}/templates`, { token: plain, body }), 403);
    const t = await api.call('POST', `${M}/templates`, { token: manager, body });
    expect(t.body).toMatchObject({ ...body, isActive: true, suggestedResponses: [], automationRules: [] });
    const off = await api.call('PUT', `${M}/templates/${t.body.id}`, {
      token: manager,
      body: { ...body, isActive: false },
    });
    expect(off.body.isActive).toBe(false);
    const use = await api.call('POST', `${M}/conversations`, {
      token: plain,
      body: { type: 'group', participants: [`x-${k}`], templateId: t.body.id },
    });
    expectProblem(use, 400);
    expect(use.body.code).toBe('TEMPLATE.UNUSABLE');
    expect((await api.call('DELETE', `${M}/templates/${t.body.id}`, { token: manager })).status).toBe(204);
    expectProblem(await api.call('GET', `${M}/templates/${t.body.id}`, { token: manager }), 404);
  });
});
