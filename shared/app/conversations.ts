import type { z } from 'zod';
import type {
  AddParticipantsBodySchema,
  ChangeRoleBodySchema,
  Conversation,
  CreateConversationBody,
  Membership,
  Participant,
  Role,
  UpdateConversationBody,
} from '../domain/conversation.js';
import { newMembership } from '../domain/defaults.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import { conversationGroup, EVENTS, type Outcome, type Push, toGroup, toUsers } from '../domain/events.js';
import { LIMITS } from '../domain/limits.js';
import { SYSTEM_SENDER } from '../domain/message.js';
import { directConversationId, participantOf, requireRole, retentionDaysFor } from '../domain/rules.js';
import { renderTemplate } from '../domain/templates.js';
import { loadAsParticipant, type StoreDeps } from './access.js';
import type { AppDeps, Caller } from './deps.js';
import { type SendDeps, sendMessage } from './messages.js';
import { bookingConversationId, requireNoBlockWith } from './policy.js';
import { admit } from './rate-policy.js';
import { postSystemMessage } from './system-messages.js';
import { activeSuggestedResponses, activeTemplate } from './templates.js';

export type CreateDeps = SendDeps & Pick<AppDeps, 'retention' | 'templates'>;
export type MembershipDeps = Pick<AppDeps, 'store' | 'clock' | 'queue' | 'telemetry'>;
type FanOutDeps = MembershipDeps & Pick<AppDeps, 'ephemeral' | 'limits'>;

/** What clients see of a conversation. */
export function conversationView(c: Conversation): Record<string, unknown> {
  // why: who opted in to auto-translation is each participant's own business
  const { booking, autoTranslate: _a, ...rest } = c;
  return {
    ...rest,
    conversationId: c.id,
    messageCount: c.lastSeq,
    ...(booking && { booking: { status: booking.status, lastEventAt: booking.lastEventAt } }),
  };
}

const joinGroup = (conversationId: string, userId: string): Push => ({
  kind: 'group',
  action: 'add',
  group: conversationGroup(conversationId),
  userId,
});
const leaveGroup = (conversationId: string, userId: string): Push => ({
  kind: 'group',
  action: 'remove',
  group: conversationGroup(conversationId),
  userId,
});

export async function createConversation(
  deps: CreateDeps,
  caller: Caller,
  body: CreateConversationBody,
): Promise<Outcome<{ conversation: Record<string, unknown>; conversationId: string; created: boolean }>> {
  const others = [...new Set(body.participants)].filter((u) => u !== caller.userId);
  let id: string;
  switch (body.type) {
    case 'direct':
      if (others.length !== 1)
        throw invalid('a direct conversation has exactly one other participant', 'CONVERSATION.DIRECT_PARTICIPANTS');
      id = directConversationId(caller.userId, others[0] as string);
      break;
    case 'booking': {
      if (body.bookingId === undefined)
        throw invalid('a booking conversation needs bookingId', 'CONVERSATION.BOOKING_ID_REQUIRED');
      // why: booking conversations are made by the booking system (booking-events queue), never by a user: a user only
      // opens the one a booking event named them in; anyone else gets the 404 of any conversation they cannot see
      const existing = await deps.store.getConversation(bookingConversationId(body.bookingId));
      if (!existing || !participantOf(existing, caller.userId)) throw notFound('Conversation');
      return {
        result: { conversationId: existing.id, conversation: conversationView(existing), created: false },
        pushes: [],
      };
    }
    case 'group':
    case 'system':
      if (others.length === 0)
        throw invalid('add at least one other participant', 'CONVERSATION.PARTICIPANTS_REQUIRED');
      id = deps.ids.newId('c');
      break;
  }
  if (others.length + 1 > LIMITS.participantsPerConversation)
    throw invalid(`at most ${LIMITS.participantsPerConversation} participants`);
  await requireNoBlockWith(deps, caller.userId, others, 'start a conversation with');
  const template =
    body.templateId === undefined ? null : await activeTemplate(deps, { templateId: body.templateId, type: 'booking' });
  if (body.templateId !== undefined && (template === null || template.type === 'booking'))
    throw invalid(
      'templateId must name an active template that is not a booking template (booking conversations come from booking events)',
      'TEMPLATE.UNUSABLE',
    );
  // why: both limits are checked before anything is written, so a refused create leaves nothing behind and its retry
  // creates the conversation and sends the initial message
  await admit(deps, 'conversationFanOut', caller.userId);
  if (body.initialMessage !== undefined) await admit(deps, 'send', caller.userId);

  const now = deps.clock.now().toISOString();
  const creatorRole: Role = body.type === 'direct' ? 'member' : 'owner';
  const participants: Participant[] = [
    { userId: caller.userId, role: creatorRole, joinedAt: now },
    ...others.map((userId): Participant => ({ userId, role: 'member', joinedAt: now })),
  ];
  const category = body.category ?? null;
  const draft: Conversation = {
    id,
    type: body.type,
    title: body.title ?? null,
    description: body.description ?? null,
    imageUrl: body.imageUrl ?? null,
    bookingId: body.bookingId ?? null,
    category,
    createdBy: caller.userId,
    createdAt: now,
    updatedAt: now,
    participants,
    lastSeq: 0,
    lastMessage: null,
    lastMessageAt: null,
    retentionDays: retentionDaysFor(category, deps.retention.byCategory, deps.retention.defaultDays),
    settings: body.settings ?? {},
    ...(template && { templateId: template.id, suggestedResponses: template.suggestedResponses }),
  };
  const { conversation, created } = await deps.store.createConversation(
    draft,
    participants.map((p) => newMembership(draft, p, now)),
  );
  // why: ids of direct conversations name both users and group ids are random, so this holds; checked all the same,
  // answering like any conversation the caller cannot see
  if (!participantOf(conversation, caller.userId)) throw notFound('Conversation');
  const pushes: Push[] = [];
  if (created) {
    for (const p of conversation.participants) pushes.push(joinGroup(id, p.userId));
    pushes.push(
      toUsers(
        conversation.participants.map((p) => p.userId),
        EVENTS.conversationUpdated,
        { conversationId: id, reason: 'created', conversation: conversationView(conversation) },
      ),
    );
  }
  let result = conversation;
  if (created && template) {
    const posted = await postSystemMessage(deps, conversation, {
      type: 'conversation_created',
      data: { templateId: template.id, createdBy: caller.userId },
      content: renderTemplate(template.initialMessage, {}).text,
      senderId: SYSTEM_SENDER,
      clientMessageId: `template-initial:${template.id}`,
    });
    pushes.push(...posted.pushes);
    result = (await deps.store.getConversation(id)) ?? conversation;
  }
  if (created && body.initialMessage !== undefined) {
    const sent = await sendMessage(
      deps,
      caller,
      id,
      { content: body.initialMessage, type: 'text', clientMessageId: `initial-${id}` },
      { admitted: true },
    );
    pushes.push(...sent.pushes);
    result = (await deps.store.getConversation(id)) ?? conversation;
  }
  return { result: { conversationId: id, conversation: conversationView(result), created }, pushes };
}

export async function getConversation(
  deps: StoreDeps & Pick<AppDeps, 'templates'>,
  caller: Caller,
  conversationId: string,
) {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  const [membership, suggestedResponses] = await Promise.all([
    deps.store.getMembership(caller.userId, conversationId),
    activeSuggestedResponses(deps, conversation.templateId),
  ]);
  return {
    conversation: { ...conversationView(conversation), suggestedResponses },
    suggestedResponses,
    participants: conversation.participants,
    settings: conversation.settings,
    membership,
  };
}

export async function updateConversation(
  deps: MembershipDeps & Pick<AppDeps, 'retention'>,
  caller: Caller,
  conversationId: string,
  body: UpdateConversationBody,
): Promise<Outcome<Record<string, unknown>>> {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  if (conversation.type === 'direct')
    throw invalid('a direct conversation has no title, description or image', 'CONVERSATION.DIRECT_IMMUTABLE');
  requireRole(me, 'admin', 'change the conversation');
  const now = deps.clock.now().toISOString();
  const updated = await deps.store.updateConversation(conversationId, (c) => ({
    ...c,
    ...(body.title !== undefined && { title: body.title }),
    ...(body.description !== undefined && { description: body.description }),
    ...(body.imageUrl !== undefined && { imageUrl: body.imageUrl }),
    // why: a message's retention is fixed when it is stored (its ttl); a new category applies to messages from now on
    ...(body.category !== undefined && {
      category: body.category,
      retentionDays: retentionDaysFor(body.category, deps.retention.byCategory, deps.retention.defaultDays),
    }),
    updatedAt: now,
  }));
  const view = conversationView(updated);
  const pushes: Push[] = [
    toGroup(conversationId, EVENTS.conversationUpdated, {
      conversationId,
      reason: 'updated',
      updatedBy: caller.userId,
      conversation: view,
    }),
  ];
  if (body.title !== undefined && body.title !== conversation.title) {
    const posted = await postSystemMessage(deps, updated, {
      type: 'title_changed',
      data: { actorId: caller.userId, oldTitle: conversation.title, newTitle: body.title },
      content:
        body.title === null
          ? `${caller.userId} removed the title`
          : `${caller.userId} changed the title to "${body.title}"`,
      senderId: caller.userId,
    });
    pushes.push(...posted.pushes);
  }
  return { result: view, pushes };
}

export async function listParticipants(deps: StoreDeps, caller: Caller, conversationId: string) {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  return { participants: conversation.participants };
}

export async function addParticipants(
  deps: FanOutDeps,
  caller: Caller,
  conversationId: string,
  body: z.infer<typeof AddParticipantsBodySchema>,
): Promise<Outcome<{ participants: Participant[]; added: string[] }>> {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  if (conversation.type === 'direct')
    throw invalid(
      'a direct conversation has exactly two participants; create a group instead',
      'CONVERSATION.DIRECT_PARTICIPANTS',
    );
  requireRole(me, 'admin', 'add participants');
  if (body.role === 'admin') requireRole(me, 'owner', 'add admins');
  await requireNoBlockWith(deps, caller.userId, body.userIds, 'add');
  await admit(deps, 'conversationFanOut', caller.userId);
  const now = deps.clock.now().toISOString();
  let added: Participant[] = [];
  const updated = await deps.store.updateConversation(conversationId, (c) => {
    const present = new Set(c.participants.map((p) => p.userId));
    added = [...new Set(body.userIds)]
      .filter((u) => !present.has(u))
      .map((userId) => ({ userId, role: body.role, joinedAt: now, joinedSeq: c.lastSeq }));
    if (added.length === 0) return null;
    if (c.participants.length + added.length > LIMITS.participantsPerConversation) {
      throw invalid(
        `a conversation has at most ${LIMITS.participantsPerConversation} participants`,
        'CONVERSATION.TOO_MANY_PARTICIPANTS',
      );
    }
    return { ...c, participants: [...c.participants, ...added], updatedAt: now };
  });
  await Promise.all(added.map((p) => deps.store.putMembership(newMembership(updated, p, now))));
  const addedIds = added.map((p) => p.userId);
  const pushes: Push[] = addedIds.map((u) => joinGroup(conversationId, u));
  if (addedIds.length > 0) {
    pushes.push(
      toGroup(conversationId, EVENTS.participantsChanged, {
        conversationId,
        added: added,
        // why: `added` carries participants while `removed` carries ids; addedUserIds is the consistent twin
        addedUserIds: addedIds,
        removed: [],
        by: caller.userId,
      }),
    );
    pushes.push(
      toUsers(addedIds, EVENTS.conversationUpdated, {
        conversationId,
        reason: 'added',
        conversation: conversationView(updated),
      }),
    );
    const posted = await postSystemMessage(deps, updated, {
      type: 'participant_added',
      data: { actorId: caller.userId, userIds: addedIds, role: body.role },
      content: `${caller.userId} added ${addedIds.join(', ')}`,
      senderId: caller.userId,
    });
    pushes.push(...posted.pushes);
  }
  return { result: { participants: updated.participants, added: addedIds }, pushes };
}

/** Removes someone else (admin) or oneself (anyone: leaving). The owner's role passes on when the owner leaves. */
export async function removeParticipant(
  deps: MembershipDeps,
  caller: Caller,
  conversationId: string,
  userId: string,
): Promise<Outcome<null>> {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  const leaving = userId === caller.userId;
  if (conversation.type === 'direct') {
    throw conflict(
      'you cannot leave or remove anyone from a direct conversation; archive or mute it instead',
      'CONVERSATION.DIRECT_LEAVE',
    );
  }
  const target = conversation.participants.find((p) => p.userId === userId);
  if (!target) throw notFound('Participant');
  if (!leaving) {
    requireRole(me, 'admin', 'remove participants');
    if (target.role === 'owner') throw forbidden('the owner cannot be removed', 'ROLE.OWNER_PROTECTED');
    if (target.role === 'admin') requireRole(me, 'owner', 'remove an admin');
  }
  const now = deps.clock.now().toISOString();
  let removed = false;
  const after = await deps.store.updateConversation(conversationId, (c) => {
    const rest = c.participants.filter((p) => p.userId !== userId);
    if (rest.length === c.participants.length) return null;
    const gone = c.participants.find((p) => p.userId === userId);
    if (gone?.role === 'owner' && rest.length > 0 && !rest.some((p) => p.role === 'owner')) {
      const heir = rest.find((p) => p.role === 'admin') ?? rest[0];
      if (heir) heir.role = 'owner';
    }
    removed = true;
    return { ...c, participants: rest, updatedAt: now };
  });
  await deps.store.deleteMembership(userId, conversationId);
  const posted = removed
    ? await postSystemMessage(deps, after, {
        type: leaving ? 'participant_left' : 'participant_removed',
        data: leaving ? { userId } : { actorId: caller.userId, userId },
        content: leaving ? `${userId} left` : `${caller.userId} removed ${userId}`,
        senderId: caller.userId,
      })
    : { pushes: [] };
  return {
    result: null,
    pushes: [
      toGroup(conversationId, EVENTS.participantsChanged, {
        conversationId,
        added: [],
        addedUserIds: [],
        removed: [userId],
        by: caller.userId,
        reason: leaving ? 'left' : 'removed',
      }),
      toUsers([userId], EVENTS.conversationUpdated, { conversationId, reason: leaving ? 'left' : 'removed' }),
      ...posted.pushes,
      leaveGroup(conversationId, userId),
    ],
  };
}

export async function changeRole(
  deps: MembershipDeps,
  caller: Caller,
  conversationId: string,
  body: z.infer<typeof ChangeRoleBodySchema>,
): Promise<Outcome<{ participants: Participant[] }>> {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  if (conversation.type === 'direct') throw invalid('a direct conversation has no roles', 'CONVERSATION.DIRECT_ROLES');
  requireRole(me, 'owner', 'change roles');
  if (body.userId === caller.userId)
    throw invalid('the owner keeps the owner role; make someone else owner by leaving', 'ROLE.SELF');
  let previous: Role = body.role;
  const updated = await deps.store.updateConversation(conversationId, (c) => {
    const p = c.participants.find((x) => x.userId === body.userId);
    if (!p) throw notFound('Participant');
    previous = p.role;
    if (p.role === body.role) return null;
    p.role = body.role;
    return c;
  });
  await deps.store.updateMembership(body.userId, conversationId, (m) => ({ ...m, role: body.role }));
  const posted =
    previous === body.role
      ? { pushes: [] }
      : await postSystemMessage(deps, updated, {
          type: 'role_changed',
          data: { actorId: caller.userId, userId: body.userId, role: body.role, previousRole: previous },
          content: `${caller.userId} made ${body.userId} ${body.role === 'admin' ? 'an admin' : 'a member'}`,
          senderId: caller.userId,
        });
  return {
    result: { participants: updated.participants },
    pushes: [
      toGroup(conversationId, EVENTS.participantsChanged, {
        conversationId,
        added: [],
        addedUserIds: [],
        removed: [],
        changed: [{ userId: body.userId, role: body.role }],
        by: caller.userId,
      }),
      ...posted.pushes,
    ],
  };
}

/** Per-user settings of one conversation (mute, archive, pin, notification level): synced to the user's other devices. */
export async function updateMySettings(
  deps: MembershipDeps,
  caller: Caller,
  conversationId: string,
  change: Partial<Pick<Membership, 'muted' | 'mutedUntil' | 'archived' | 'pinned' | 'notificationLevel'>>,
): Promise<Outcome<Membership>> {
  await loadAsParticipant(deps, caller, conversationId);
  if (change.mutedUntil && Date.parse(change.mutedUntil) <= deps.clock.now().getTime()) {
    throw invalid('until must be in the future', 'MUTE.UNTIL_PAST');
  }
  const updated = await deps.store.updateMembership(caller.userId, conversationId, (m) => ({ ...m, ...change }));
  if (!updated) throw new AppError('not_found', 'CONVERSATION.NOT_FOUND', 'Conversation not found');
  return {
    result: updated,
    pushes: [
      toUsers([caller.userId], EVENTS.conversationUpdated, { conversationId, reason: 'settings', membership: updated }),
    ],
  };
}
