import type { Conversation, Participant } from '../domain/conversation.js';
import { newMessage } from '../domain/defaults.js';
import { conflict, forbidden, invalid } from '../domain/errors.js';
import { EVENTS, type Outcome, toGroup, toOthersInGroup, toUsers } from '../domain/events.js';
import { type LinkPreviewJob, linkPreviewJobId } from '../domain/jobs.js';
import { urlsIn, withoutLinkPreviews } from '../domain/link-preview.js';
import type { Attachment, Message, MessageView, SendMessageBody } from '../domain/message.js';
import { toggleReaction } from '../domain/reactions.js';
import { atLeast, checkMessageShape, viewOf, visibleTo } from '../domain/rules.js';
import { loadAsParticipant, loadMessage, type StoreDeps } from './access.js';
import { type Claim, linkAttachments, releaseClaims, resolveAttachments } from './attachments-attach.js';
import { removeAttachmentBlobs } from './attachments-lifecycle.js';
import { quietly } from './best-effort.js';
import { type ContentFields, processContent, withoutContentFields } from './content-pipeline.js';
import type { AppDeps, Caller } from './deps.js';
import { viewerStates } from './message-status.js';
import { requireNotBlockedIn } from './policy.js';
import { refreshPresence } from './presence.js';
import { admit, rateLimitRefusal } from './rate-policy.js';
import { enqueueMessageEvent, messageReceivedPush } from './send-effects.js';
import { dropTranslations } from './translation.js';
import { leaveOutOfUnread } from './unread.js';

export type SendDeps = Pick<
  AppDeps,
  | 'store'
  | 'ephemeral'
  | 'notifications'
  | 'clock'
  | 'ids'
  | 'telemetry'
  | 'limits'
  | 'queue'
  | 'sendReads'
  | 'content'
  | 'attachments'
>;

export type SendInput = Omit<SendMessageBody, 'type' | 'content'> & {
  type?: SendMessageBody['type'];
  content?: string;
  /** Only from forwarding (never from the HTTP body): the copy is stored as forwarded from this message id. */
  forwardedFromId?: string;
  /** Only from forwarding: the original's attachments, carried as they are (uploads get linked to the copy). */
  forwardedAttachments?: Attachment[];
};

export interface SendResult {
  message: MessageView;
  tempId: string | null;
  /** false when the clientMessageId was used before: the first message is returned and nothing was written. */
  created: boolean;
}

/**
 * Stores a message, pushes it and enqueues its one message-events job (inbox fan-out, mentions, push notifications:
 * shared/app/message-events.ts). The store cost does not grow with the conversation: the append, plus one patch of
 * the sender's own inbox entry (their read mark, so their own message is never unread to them).
 * Idempotent by clientMessageId: a retry returns the first message (created false); while that message's side
 * effects are still pending (outbox marker) the retry emits them again, otherwise it pushes nothing.
 */
export async function sendMessage(
  deps: SendDeps,
  caller: Caller,
  conversationId: string,
  input: SendInput,
  /** `admitted`: the caller already took this send's rate-limit token (a create with its initial message). */
  opts: { admitted?: boolean } = {},
): Promise<Outcome<SendResult>> {
  const type = input.type ?? 'text';
  const content = input.content ?? '';
  const { forwardedAttachments, attachments: _inputs, ...rest } = input;
  checkMessageShape({
    type,
    content,
    attachments: forwardedAttachments ?? input.attachments,
    location: input.location,
  });
  // why: the conversation and the block profiles are read on every send; a short per-process cache serves them
  const reading: SendDeps = deps.sendReads ? { ...deps, store: deps.sendReads } : deps;
  const { conversation, me } = await loadAsParticipant(reading, caller, conversationId);
  const claim: Claim = {
    conversationId,
    senderId: caller.userId,
    clientMessageId: input.clientMessageId ?? deps.ids.newId('send'),
  };
  let attachments: Attachment[] | undefined = forwardedAttachments;
  let claimed: string[] = [];
  let processed: ContentFields;
  try {
    await admitSend(reading, caller, conversation, me, { ...input, type }, opts.admitted === true);
    // why here: a refusal of the pipeline (spam, profanity) is a refusal like the others, so a retry of a send that
    // was stored still gets its message
    processed = await processContent(
      deps,
      { text: content, mentions: input.mentions ?? [] },
      { conversation, senderId: caller.userId, now: deps.clock.now(), action: 'send' },
    );
    if (!forwardedAttachments && input.attachments !== undefined)
      ({ attachments, claimed } = await resolveAttachments(deps, caller, claim, input.attachments));
  } catch (refusal) {
    // why: a retry of a send that was stored gets its message even if the checks refuse a new send now; looked up
    // only on a refusal, so a normal send pays no extra read
    const earlier =
      input.clientMessageId === undefined
        ? null
        : await deps.store.findByClientMessageId(conversationId, caller.userId, input.clientMessageId);
    if (!earlier) throw refusal;
    return retried(deps, caller, earlier, conversation);
  }

  const now = deps.clock.now().toISOString();
  const { message, created } = await deps.store
    .appendMessage({
      ...newMessage({
        ...rest,
        ...(attachments !== undefined && { attachments }),
        conversationId,
        senderId: caller.userId,
        type,
        content: processed.content,
        mentions: processed.mentions,
        createdAt: now,
        retentionDays: conversation.retentionDays,
      }),
      ...processed,
      pendingSince: now,
    })
    .catch(async (e: unknown) => {
      await releaseClaims(deps, claim, claimed);
      throw e;
    });
  if (!created) return retried(deps, caller, message, conversation);
  await linkAttachments(deps, message);

  deps.telemetry.event('MessageSent', {
    type: message.type,
    conversationType: conversation.type,
    flagged: message.moderation?.flagged === true,
    encrypted: message.isEncrypted === true,
  });
  // why: the message is durable now; the sender's read mark, clearing typing and the enqueue are side work whose
  // failure is logged, never reported as a failed send (the outbox marker makes the sweep finish the job)
  const [, wasTyping] = await Promise.all([
    quietly(deps, 'sender read mark', () =>
      deps.store.advanceMemberships(conversationId, [caller.userId], {
        seq: message.seq,
        at: now,
        senderId: caller.userId,
      }),
    ),
    quietly(deps, 'typing', () => deps.ephemeral.stopTyping(conversationId, caller.userId)),
    enqueueMessageEvent(deps, message),
    refreshPresence(deps, caller),
  ]);
  // why the participants: delivery planning would otherwise read the conversation this send already loaded
  const pushes = [messageReceivedPush(message, participantIds(conversation), conversation.suggestedResponses)];
  if (wasTyping === true)
    pushes.push(
      toOthersInGroup(
        conversationId,
        EVENTS.typing,
        { conversationId, userId: caller.userId, isTyping: false },
        caller.connectionId,
        caller.userId,
      ),
    );
  return { result: { message: viewOf(message), tempId: message.clientMessageId, created }, pushes };
}

/** A retried send: the first message; its push and job again while its side effects are still pending. */
async function retried(
  deps: SendDeps,
  caller: Caller,
  message: Message,
  conversation: Conversation,
): Promise<Outcome<SendResult>> {
  await refreshPresence(deps, caller);
  const result: SendResult = { message: viewOf(message), tempId: message.clientMessageId, created: false };
  if (message.pendingSince === undefined) return { result, pushes: [] };
  await enqueueMessageEvent(deps, message);
  return { result, pushes: [messageReceivedPush(message, participantIds(conversation))] };
}

const participantIds = (c: Conversation): string[] => c.participants.map((p) => p.userId);

/** Every check a new send must pass: rate limit, role for system messages, blocks, mentions, reply target. */
async function admitSend(
  deps: SendDeps,
  caller: Caller,
  conversation: Conversation,
  me: Participant,
  input: SendInput & { type: SendMessageBody['type'] },
  /** The caller already took this send's rate-limit token (a create with its initial message). */
  admitted: boolean,
): Promise<void> {
  const refusal = admitted ? null : await rateLimitRefusal(deps, 'send', caller.userId);
  if (refusal) throw refusal;
  if (input.type === 'system' && (conversation.type === 'direct' || !atLeast(me.role, 'admin'))) {
    throw forbidden(
      'only an admin of a group, booking or system conversation can send system messages',
      'MESSAGE.SYSTEM_FORBIDDEN',
    );
  }
  await requireNotBlockedIn(deps, conversation, caller.userId, 'send');
  const participants = new Set(conversation.participants.map((p) => p.userId));
  const strangers = (input.mentions ?? []).filter((u) => !participants.has(u));
  if (strangers.length > 0)
    throw invalid(
      `mentions must be participants; not participants: ${strangers.join(', ')}`,
      'MESSAGE.MENTION_NOT_PARTICIPANT',
    );
  if (input.replyToMessageId !== undefined) {
    const parent = await deps.store.getMessage(conversation.id, input.replyToMessageId);
    if (!parent || !visibleTo(parent, caller.userId)) {
      throw invalid('replyToMessageId does not name a message of this conversation', 'MESSAGE.REPLY_TARGET_NOT_FOUND');
    }
  }
}

export async function editMessage(
  deps: Pick<AppDeps, 'store' | 'clock' | 'content' | 'ephemeral' | 'telemetry' | 'translations' | 'queue'>,
  caller: Caller,
  conversationId: string,
  messageId: string,
  content: string,
): Promise<Outcome<MessageView>> {
  const { conversation, message } = await loadMessage(deps, caller, conversationId, messageId);
  if (message.senderId !== caller.userId) throw forbidden('only the sender can edit a message', 'MESSAGE.NOT_SENDER');
  await requireNotBlockedIn(deps, conversation, caller.userId, 'edit');
  const deleted = () => conflict('a deleted message cannot be edited', 'MESSAGE.DELETED');
  if (message.isDeleted) throw deleted();
  const at = deps.clock.now();
  const now = at.toISOString();
  // why: the same pipeline as a send (moderation, sensitive data, mentions, formatting), before anything is stored
  const processed = await processContent(
    deps,
    { text: content, mentions: [] },
    { conversation, senderId: caller.userId, now: at, action: 'edit' },
  );
  // why: the store re-runs the mutation on the version it replaces (etag), so a delete that landed after our read
  // refuses the edit instead of the edit landing on a deleted message
  const updated = await deps.store.updateMessage(conversationId, messageId, (m) => {
    if (m.isDeleted) throw deleted();
    if (m.content === processed.content && m.sealed === undefined && processed.sealed === undefined) return null;
    return {
      // why: previews of the old text would describe links it may no longer have
      ...withoutLinkPreviews(withoutContentFields(m)),
      ...processed,
      // why: mentions of the first version stay (they were notified); the edit's text may add some
      mentions: [...new Set([...m.mentions, ...processed.mentions])],
      isEdited: true,
      editedAt: now,
      // why: history keeps the stored (masked) text only; the clear text of an older version is not kept
      editHistory: [...m.editHistory, { content: m.content, editedAt: now }],
    };
  });
  await Promise.all([
    dropTranslations(deps, conversationId, messageId),
    updated.content === message.content ? undefined : previewEdit(deps, updated),
  ]);
  // why: the event goes to every participant at once, so it carries the sender's view (as a new message does)
  const view = viewOf(updated, (await viewerStates(deps, conversation, caller.userId, [updated]))(updated));
  return {
    result: view,
    pushes: [
      toGroup(conversationId, EVENTS.messageUpdated, { conversationId, messageId, seq: updated.seq, message: view }),
    ],
  };
}

/** The edited text's links get previews of their own (a job id per edit: the first edit's job is not this one's). */
async function previewEdit(deps: Pick<AppDeps, 'queue' | 'telemetry'>, m: Message): Promise<void> {
  if (urlsIn(m.content, 1).length === 0) return;
  const body: LinkPreviewJob = { conversationId: m.conversationId, messageId: m.id, seq: m.seq };
  const id = `${linkPreviewJobId(m.id)}:edit${m.editHistory.length}`;
  await quietly(deps, 'enqueue link previews of an edit', () =>
    deps.queue.enqueue([{ queue: 'link-previews', id, body }]),
  );
}

export async function deleteMessage(
  deps: Pick<AppDeps, 'store' | 'clock' | 'telemetry' | 'attachments' | 'translations'>,
  caller: Caller,
  conversationId: string,
  messageId: string,
  forEveryone: boolean,
): Promise<Outcome<null>> {
  const { conversation, me, message } = await loadMessage(deps, caller, conversationId, messageId);
  const now = deps.clock.now().toISOString();
  const payload = { conversationId, messageId, seq: message.seq, deletedBy: caller.userId, forEveryone };
  if (!forEveryone) {
    await deps.store.updateMessage(conversationId, messageId, (m) =>
      m.hiddenFor.includes(caller.userId) ? null : { ...m, hiddenFor: [...m.hiddenFor, caller.userId] },
    );
    await leaveOutOfUnread(deps, conversationId, [caller.userId], message.seq);
    return { result: null, pushes: [toUsers([caller.userId], EVENTS.messageDeleted, payload)] };
  }
  const mayModerate = conversation.type !== 'direct' && atLeast(me.role, 'admin');
  if (message.senderId !== caller.userId && !mayModerate) {
    throw forbidden('only the sender or a conversation admin can delete a message for everyone', 'MESSAGE.NOT_SENDER');
  }
  // why: the sealed clear text and the rendering go with the content (a deleted message keeps no sensitive data)
  await deps.store.updateMessage(conversationId, messageId, (m: Message) =>
    m.isDeleted ? null : { ...withoutContentFields(m), isDeleted: true, deletedAt: now, deletedBy: caller.userId },
  );
  await dropTranslations(deps, conversationId, messageId);
  const everyone = conversation.participants.map((p) => p.userId);
  await leaveOutOfUnread(deps, conversationId, everyone, message.seq);
  // why: a message deleted for everyone takes its uploads with it (their blobs, variants and record)
  await removeAttachmentBlobs(deps, [message]);
  return { result: null, pushes: [toGroup(conversationId, EVENTS.messageDeleted, payload)] };
}

export async function react(
  deps: StoreDeps & Pick<AppDeps, 'ephemeral' | 'telemetry' | 'limits'>,
  caller: Caller,
  conversationId: string,
  messageId: string,
  reaction: string,
  action: 'added' | 'removed',
): Promise<Outcome<{ reactions: Record<string, string[]> }>> {
  const { conversation, message } = await loadMessage(deps, caller, conversationId, messageId);
  if (message.isDeleted) throw invalid('a deleted message cannot take reactions', 'MESSAGE.DELETED');
  await requireNotBlockedIn(deps, conversation, caller.userId, 'react');
  await admit(deps, 'reaction', caller.userId);
  const updated = await deps.store.updateMessage(conversationId, messageId, (m) => {
    if (m.isDeleted) throw invalid('a deleted message cannot take reactions', 'MESSAGE.DELETED');
    const reactions = toggleReaction(m.reactions, reaction, caller.userId, action);
    return reactions === null ? null : { ...m, reactions };
  });
  return {
    result: { reactions: updated.reactions },
    pushes: [
      toGroup(conversationId, EVENTS.reaction, {
        conversationId,
        messageId,
        seq: updated.seq,
        userId: caller.userId,
        reaction,
        action,
        reactions: updated.reactions,
      }),
    ],
  };
}
