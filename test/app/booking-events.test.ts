import { describe, expect, it } from 'vitest';
import { handleBookingEvent } from '../../shared/app/booking-events.js';
import { createConversation, getConversation } from '../../shared/app/conversations.js';
import { listMessages } from '../../shared/app/message-reads.js';
import { createTemplate, replaceTemplate } from '../../shared/app/templates.js';
import { BOOKING_EVENT_TYPES } from '../../shared/domain/booking.js';
import { EVENTS } from '../../shared/domain/events.js';
import type { TemplateBody } from '../../shared/domain/templates.js';
import { bookingEvent } from '../support/booking.js';
import { kindOf, memoryDeps } from '../support/deps.js';

const manager = { userId: 'ops', roles: ['Templates.Manage'] };
const page = { limit: 50, includeDeleted: false } as const;
const at = (minute: number) => `2026-11-22T09:${String(minute).padStart(2, '0')}:00.000Z`;

const template = (over: Partial<TemplateBody> = {}): TemplateBody => ({
  name: 'Grooming booking',
  type: 'booking',
  initialMessage: 'Hi {customerName}, this chat is about booking {bookingId}.',
  suggestedResponses: ['On my way', 'Running late'],
  automationRules: [
    { event: 'created', message: 'Booking {bookingId} was requested.' },
    { event: 'confirmed', message: '{providerName} confirmed your booking for {date}.' },
    { event: 'provider_en_route', message: '{providerName} is on the way (ETA {eta}).' },
    { event: 'started', message: 'The service started.' },
    { event: 'completed', message: 'All done, {customerName}!' },
    { event: 'cancelled', message: 'Booking {bookingId} was cancelled.' },
  ],
  isActive: true,
  ...over,
});

async function setup() {
  const t = memoryDeps();
  const tpl = await createTemplate(t.deps, manager, template());
  const run = (over: Parameters<typeof bookingEvent>[0]) =>
    handleBookingEvent(t.deps, bookingEvent({ bookingId: 'b1', customerId: 'cust', providerId: 'prov', ...over }));
  const messages = async () => (await listMessages(t.deps, { userId: 'cust' }, 'bk_b1', page)).messages;
  return { ...t, tpl, run, messages };
}

describe('booking events: the booking system creates and drives booking conversations', () => {
  it('when each lifecycle event arrives in order, then the conversation is created once between exactly the parties (system-owned) and each event posts its typed message from the active template', async () => {
    const t = await setup();
    const data = { customerName: 'Ana', providerName: 'Paws Co', date: 'Dec 1', eta: '10 min' };
    const first = await t.run({ type: 'created', occurredAt: at(0), data });
    expect(first.result).toMatchObject({ conversationId: 'bk_b1', verdict: 'applied', created: true });
    expect(first.pushes.filter((p) => p.kind === 'group').map((p) => p.kind === 'group' && p.userId)).toEqual([
      'cust',
      'prov',
    ]);
    for (const [i, type] of BOOKING_EVENT_TYPES.slice(1).entries())
      expect((await t.run({ type, occurredAt: at(i + 1), data })).result.verdict).toBe('applied');

    const c = await t.deps.store.getConversation('bk_b1');
    expect(c).toMatchObject({ type: 'booking', bookingId: 'b1', createdBy: 'system', templateId: t.tpl.id });
    expect(c?.participants.map((p) => [p.userId, p.role])).toEqual([
      ['cust', 'member'],
      ['prov', 'member'],
    ]);
    expect(c?.booking).toMatchObject({ status: 'cancelled', lastEventAt: at(5) });
    const ms = await t.messages();
    expect(ms.map((m) => [m.seq, m.senderId, m.systemMessageType, m.content])).toEqual([
      [1, 'system', 'conversation_created', 'Hi Ana, this chat is about booking b1.'],
      [2, 'system', 'booking_created', 'Booking b1 was requested.'],
      [3, 'system', 'booking_confirmed', 'Paws Co confirmed your booking for Dec 1.'],
      [4, 'system', 'booking_provider_en_route', 'Paws Co is on the way (ETA 10 min).'],
      [5, 'system', 'booking_started', 'The service started.'],
      [6, 'system', 'booking_completed', 'All done, Ana!'],
      [7, 'system', 'booking_cancelled', 'Booking b1 was cancelled.'],
    ]);
    expect(ms[2]?.systemMessageData).toMatchObject({
      status: 'confirmed',
      bookingId: 'b1',
      data,
      missingPlaceholders: [],
    });
  });

  it('when the same event is delivered twice, then it posts once', async () => {
    const t = await setup();
    const e = bookingEvent({ bookingId: 'b1', customerId: 'cust', providerId: 'prov', type: 'confirmed' });
    await handleBookingEvent(t.deps, e);
    const again = await handleBookingEvent(t.deps, e);
    expect(again.result.verdict).toBe('duplicate');
    expect(again.pushes).toEqual([]);
    expect((await t.messages()).map((m) => m.systemMessageType)).toEqual(['conversation_created', 'booking_confirmed']);
  });

  it('when an event older than the booking state arrives, then it changes nothing', async () => {
    const t = await setup();
    await t.run({ type: 'confirmed', occurredAt: at(10) });
    const late = await t.run({ type: 'created', occurredAt: at(5) });
    expect(late.result.verdict).toBe('stale');
    expect((await t.deps.store.getConversation('bk_b1'))?.booking).toMatchObject({
      status: 'confirmed',
      lastEventAt: at(10),
    });
    expect((await t.messages()).map((m) => m.systemMessageType)).toEqual(['conversation_created', 'booking_confirmed']);
  });

  it('when the first event of an unknown booking is not "created", then it still creates the conversation and posts that event', async () => {
    const t = await setup();
    const r = await t.run({ type: 'provider_en_route', data: { providerName: 'Rex', eta: '5 min' } });
    expect(r.result).toMatchObject({ created: true, verdict: 'applied' });
    expect((await t.messages()).map((m) => m.content)).toEqual([
      'Hi, this chat is about booking b1.',
      'Rex is on the way (ETA 5 min).',
    ]);
    expect(r.result.missingPlaceholders).toEqual(['customerName']);
  });

  it('when the event names an unknown template (or only an inactive one exists), then the typed message uses the default text and says the template is missing', async () => {
    const t = await setup();
    const r = await t.run({ type: 'confirmed', templateId: 'no-such-template' });
    expect(r.result).toMatchObject({ templateMissing: true, verdict: 'applied' });
    const [only] = await t.messages();
    expect(only).toMatchObject({
      systemMessageType: 'booking_confirmed',
      content: 'Booking b1 is confirmed.',
      systemMessageData: expect.objectContaining({ templateMissing: true, templateId: null }),
    });
    await replaceTemplate(t.deps, manager, t.tpl.id, template({ isActive: false }));
    const r2 = await handleBookingEvent(
      t.deps,
      bookingEvent({ bookingId: 'b2', customerId: 'cust', providerId: 'prov', type: 'started' }),
    );
    expect(r2.result.templateMissing).toBe(true);
    const ms = (await listMessages(t.deps, { userId: 'cust' }, 'bk_b2', page)).messages;
    expect(ms.map((m) => m.content)).toEqual(['The service has started.']);
    expect((await getConversation(t.deps, { userId: 'cust' }, 'bk_b2')).suggestedResponses).toEqual([]);
  });

  it('when a placeholder has no value, then it is reported (result, message data, log) and never shown as braces', async () => {
    const t = await setup();
    const r = await t.run({ type: 'provider_en_route', data: { providerName: 'Rex' } });
    expect(r.result.missingPlaceholders.sort()).toEqual(['customerName', 'eta']);
    const ms = await t.messages();
    expect(ms.map((m) => m.content)).toEqual(['Hi, this chat is about booking b1.', 'Rex is on the way (ETA).']);
    for (const m of ms) expect(m.content).not.toMatch(/[{}]/);
    expect(ms[1]?.systemMessageData).toMatchObject({ missingPlaceholders: ['eta'] });
    expect(t.logs.some((l) => /placeholders without a value/.test(l.message))).toBe(true);
  });

  it('when the parties open the conversation, then detail and live messages carry the active suggested responses', async () => {
    const t = await setup();
    const r = await t.run({ type: 'created' });
    const detail = await getConversation(t.deps, { userId: 'prov' }, 'bk_b1');
    expect(detail.suggestedResponses).toEqual(['On my way', 'Running late']);
    expect(detail.conversation).toMatchObject({ suggestedResponses: ['On my way', 'Running late'] });
    const live = r.pushes.find((p) => p.kind === 'event' && p.target === EVENTS.messageReceived);
    expect(live?.kind === 'event' && live.payload.suggestedResponses).toEqual(['On my way', 'Running late']);
    expect(
      await kindOf(
        createConversation(t.deps, { userId: 'mallory' }, { type: 'booking', bookingId: 'b1', participants: ['cust'] }),
      ),
    ).toBe('not_found:CONVERSATION.NOT_FOUND');
    expect(await kindOf(getConversation(t.deps, { userId: 'mallory' }, 'bk_b1'))).toBe(
      'not_found:CONVERSATION.NOT_FOUND',
    );
  });

  it('when a newer event names another provider, then the conversation is between exactly the new parties: the new one sees from now, the old one is out', async () => {
    const t = await setup();
    await t.run({ type: 'confirmed', occurredAt: at(1) });
    await t.run({
      type: 'provider_en_route',
      occurredAt: at(2),
      providerId: 'prov2',
      data: { providerName: 'Bo', eta: '3 min' },
    });
    const c = await t.deps.store.getConversation('bk_b1');
    expect(c?.participants.map((p) => p.userId)).toEqual(['cust', 'prov2']);
    expect(await t.deps.store.getMembership('prov', 'bk_b1')).toBeNull();
    expect(await kindOf(getConversation(t.deps, { userId: 'prov' }, 'bk_b1'))).toBe('not_found:CONVERSATION.NOT_FOUND');
    const seen = (await listMessages(t.deps, { userId: 'prov2' }, 'bk_b1', page)).messages;
    expect(seen.map((m) => m.content)).toEqual(['Bo is on the way (ETA 3 min).']);
    // an older event naming the old provider changes nothing
    expect((await t.run({ type: 'confirmed', occurredAt: at(0) })).result.verdict).toBe('stale');
    expect((await t.deps.store.getConversation('bk_b1'))?.participants.map((p) => p.userId)).toEqual(['cust', 'prov2']);
  });
});
