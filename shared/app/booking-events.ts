/**
 * Consumer of the booking-events queue: the booking system creates and drives booking conversations; users never
 * create one. Per event: find or create the conversation of the booking between exactly the event's customer and
 * provider (owned by the system: both parties are members), then post the system message the active template has
 * for the event. Idempotent and order-tolerant:
 *   - the message's clientMessageId is derived from the eventId, so a redelivery appends nothing new;
 *   - the conversation remembers the newest event handled (`booking`): an event older than it changes nothing, an
 *     eventId already handled is skipped.
 */
import {
  type BookingEvent,
  bookingEventVerdict,
  bookingSystemMessageType,
  DEFAULT_BOOKING_TEXTS,
  nextBookingState,
} from '../domain/booking.js';
import type { Conversation, Participant } from '../domain/conversation.js';
import { newMembership } from '../domain/defaults.js';
import { conversationGroup, EVENTS, type Outcome, type Push, toGroup, toUsers } from '../domain/events.js';
import { SYSTEM_SENDER } from '../domain/message.js';
import { retentionDaysFor } from '../domain/rules.js';
import { type ConversationTemplate, renderTemplate } from '../domain/templates.js';
import { conversationView } from './conversations.js';
import type { AppDeps } from './deps.js';
import { bookingConversationId } from './policy.js';
import { postSystemMessage } from './system-messages.js';
import { activeTemplate } from './templates.js';

export type BookingDeps = Pick<AppDeps, 'store' | 'templates' | 'clock' | 'queue' | 'telemetry' | 'retention'>;

export interface BookingOutcome {
  conversationId: string;
  /** applied: a message was posted (or found posted); stale / duplicate: the event changed nothing. */
  verdict: 'applied' | 'stale' | 'duplicate';
  created: boolean;
  /** Placeholders the texts named but the event gave no value for (left out of the text). */
  missingPlaceholders: string[];
  /** The template named by the event (or none) could not be used: the default texts were. */
  templateMissing: boolean;
}

/** The conversation category of booking conversations: its retention comes from the settings like any other. */
export const BOOKING_CATEGORY = 'booking';

function placeholderValues(e: BookingEvent): Record<string, string | number | boolean> {
  return {
    ...e.data,
    bookingId: e.bookingId,
    customerId: e.customerId,
    providerId: e.providerId,
    status: e.type,
  };
}

export async function handleBookingEvent(deps: BookingDeps, e: BookingEvent): Promise<Outcome<BookingOutcome>> {
  const id = bookingConversationId(e.bookingId);
  const template = await activeTemplate(deps, { templateId: e.templateId, type: 'booking' });
  const templateMissing = template === null;
  if (templateMissing)
    deps.telemetry.log('warn', 'booking event: no active template; default texts used', {
      eventId: e.eventId,
      templateId: e.templateId ?? null,
    });

  const pushes: Push[] = [];
  const missing = new Set<string>();
  const { conversation, created } = await findOrCreate(deps, e, id, template);
  if (created) {
    for (const p of conversation.participants)
      pushes.push({ kind: 'group', action: 'add', group: conversationGroup(id), userId: p.userId });
    pushes.push(
      toUsers(
        conversation.participants.map((p) => p.userId),
        EVENTS.conversationUpdated,
        { conversationId: id, reason: 'created', conversation: conversationView(conversation) },
      ),
    );
  }
  if (template && conversation.lastSeq === 0) {
    // the first message of a conversation made from a template (also when a crash cut the creation short)
    const initial = renderTemplate(template.initialMessage, placeholderValues(e));
    for (const m of initial.missing) missing.add(m);
    const posted = await postSystemMessage(deps, conversation, {
      type: 'conversation_created',
      data: { templateId: template.id, bookingId: e.bookingId, missingPlaceholders: initial.missing },
      content: initial.text,
      senderId: SYSTEM_SENDER,
      clientMessageId: `template-initial:${template.id}`,
    });
    pushes.push(...posted.pushes);
  }

  const verdict = bookingEventVerdict(conversation.booking, e);
  if (verdict !== 'apply') {
    deps.telemetry.event('BookingEventSkipped', { verdict, type: e.type });
    return {
      result: { conversationId: id, verdict, created, missingPlaceholders: [...missing], templateMissing },
      pushes,
    };
  }

  let current = conversation;
  if (!created) {
    const synced = await syncParties(deps, conversation, e);
    pushes.push(...synced.pushes);
    current = synced.conversation;
  }
  const rule = template?.automationRules.find((r) => r.event === e.type);
  const text = renderTemplate(rule?.message ?? DEFAULT_BOOKING_TEXTS[e.type], placeholderValues(e));
  for (const m of text.missing) missing.add(m);
  if (missing.size > 0) {
    deps.telemetry.log('warn', 'booking event: template placeholders without a value were left out', {
      eventId: e.eventId,
      templateId: template?.id ?? null,
      missing: [...missing],
    });
    deps.telemetry.metric('TemplatePlaceholdersMissing', missing.size);
  }
  const posted = await postSystemMessage(deps, current, {
    type: bookingSystemMessageType(e.type),
    data: {
      eventId: e.eventId,
      bookingId: e.bookingId,
      status: e.type,
      occurredAt: e.occurredAt,
      customerId: e.customerId,
      providerId: e.providerId,
      ...(e.data !== undefined && { data: e.data }),
      templateId: template?.id ?? null,
      ...(templateMissing && { templateMissing: true }),
      missingPlaceholders: text.missing,
    },
    content: text.text,
    senderId: SYSTEM_SENDER,
    clientMessageId: `booking-event:${e.eventId}`,
  });
  pushes.push(...posted.pushes);
  await deps.store.updateConversation(id, (c) => {
    // why: two events may race; only a newer one moves the state (the older one's message is posted all the same)
    if (bookingEventVerdict(c.booking, e) !== 'apply') return null;
    return {
      ...c,
      booking: nextBookingState(c.booking, e),
      ...(template && { templateId: template.id, suggestedResponses: template.suggestedResponses }),
      updatedAt: deps.clock.now().toISOString(),
    };
  });
  deps.telemetry.event('BookingEventApplied', { type: e.type, created: String(created) });
  return {
    result: { conversationId: id, verdict: 'applied', created, missingPlaceholders: [...missing], templateMissing },
    pushes,
  };
}

/**
 * The conversation is between exactly the parties the newest event names: a reassigned provider (or customer) is
 * added, from now on (joinedSeq), and whoever the booking no longer names is removed.
 */
async function syncParties(
  deps: BookingDeps,
  c: Conversation,
  e: BookingEvent,
): Promise<{ pushes: Push[]; conversation: Conversation }> {
  const want = [e.customerId, e.providerId];
  const same = (list: string[]) => list.length === want.length && want.every((u) => list.includes(u));
  if (same(c.participants.map((p) => p.userId))) return { pushes: [], conversation: c };
  const now = deps.clock.now().toISOString();
  let added: Participant[] = [];
  let removed: string[] = [];
  const updated = await deps.store.updateConversation(c.id, (cur) => {
    const keep = cur.participants.filter((p) => want.includes(p.userId));
    removed = cur.participants.filter((p) => !want.includes(p.userId)).map((p) => p.userId);
    added = want
      .filter((u) => !keep.some((p) => p.userId === u))
      .map((userId): Participant => ({ userId, role: 'member', joinedAt: now, joinedSeq: cur.lastSeq }));
    if (added.length === 0 && removed.length === 0) return null;
    return { ...cur, participants: [...keep, ...added], updatedAt: now };
  });
  await Promise.all([
    ...removed.map((u) => deps.store.deleteMembership(u, c.id)),
    ...added.map((p) => deps.store.putMembership(newMembership(updated, p, now))),
  ]);
  deps.telemetry.log('info', 'booking parties changed', { conversationId: c.id, added: added.length, removed });
  const group = conversationGroup(c.id);
  const pushes: Push[] = [
    ...added.map((p): Push => ({ kind: 'group', action: 'add', group, userId: p.userId })),
    toGroup(c.id, EVENTS.participantsChanged, {
      conversationId: c.id,
      added,
      addedUserIds: added.map((p) => p.userId),
      removed,
      by: SYSTEM_SENDER,
    }),
    ...(added.length > 0
      ? [
          toUsers(
            added.map((p) => p.userId),
            EVENTS.conversationUpdated,
            {
              conversationId: c.id,
              reason: 'added',
              conversation: conversationView(updated),
            },
          ),
        ]
      : []),
    ...(removed.length > 0
      ? [toUsers(removed, EVENTS.conversationUpdated, { conversationId: c.id, reason: 'removed' })]
      : []),
    ...removed.map((userId): Push => ({ kind: 'group', action: 'remove', group, userId })),
  ];
  return { pushes, conversation: updated };
}

async function findOrCreate(
  deps: BookingDeps,
  e: BookingEvent,
  id: string,
  template: ConversationTemplate | null,
): Promise<{ conversation: Conversation; created: boolean }> {
  const existing = await deps.store.getConversation(id);
  if (existing) return { conversation: existing, created: false };
  const now = deps.clock.now().toISOString();
  const participants: Participant[] = [e.customerId, e.providerId].map((userId) => ({
    userId,
    role: 'member',
    joinedAt: now,
  }));
  const draft: Conversation = {
    id,
    type: 'booking',
    title: null,
    description: null,
    imageUrl: null,
    bookingId: e.bookingId,
    category: BOOKING_CATEGORY,
    createdBy: SYSTEM_SENDER,
    createdAt: now,
    updatedAt: now,
    participants,
    lastSeq: 0,
    lastMessage: null,
    lastMessageAt: null,
    retentionDays: retentionDaysFor(BOOKING_CATEGORY, deps.retention.byCategory, deps.retention.defaultDays),
    settings: {},
    templateId: template?.id ?? null,
    suggestedResponses: template?.suggestedResponses ?? [],
  };
  return deps.store.createConversation(
    draft,
    participants.map((p) => newMembership(draft, p, now)),
  );
}
