import type { z } from 'zod';
import type { Draft } from '../domain/conversation.js';
import { notFound } from '../domain/errors.js';
import type { DraftBodySchema } from '../domain/message.js';
import { loadAsParticipant, type StoreDeps } from './access.js';
import type { AppDeps, Caller } from './deps.js';

export async function saveDraft(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  caller: Caller,
  conversationId: string,
  body: z.infer<typeof DraftBodySchema>,
) {
  await loadAsParticipant(deps, caller, conversationId);
  const draft: Draft = {
    content: body.content,
    replyToMessageId: body.replyToMessageId ?? null,
    attachments: body.attachments ?? [],
    updatedAt: deps.clock.now().toISOString(),
  };
  const m = await deps.store.updateMembership(caller.userId, conversationId, (x) => ({ ...x, draft }));
  if (!m) throw notFound('Conversation');
  return { conversationId, draft };
}

export async function getDraft(deps: StoreDeps, caller: Caller, conversationId: string) {
  await loadAsParticipant(deps, caller, conversationId);
  const m = await deps.store.getMembership(caller.userId, conversationId);
  return { conversationId, draft: m?.draft ?? null };
}

export async function clearDraft(deps: StoreDeps, caller: Caller, conversationId: string) {
  await loadAsParticipant(deps, caller, conversationId);
  await deps.store.updateMembership(caller.userId, conversationId, (x) =>
    x.draft === null ? null : { ...x, draft: null },
  );
}

export async function listDrafts(deps: StoreDeps, caller: Caller) {
  const all = await deps.store.allMemberships(caller.userId);
  return {
    drafts: all
      .filter((m) => m.draft !== null)
      .map((m) => ({ conversationId: m.conversationId, draft: m.draft }))
      .sort((a, b) => ((a.draft?.updatedAt ?? '') < (b.draft?.updatedAt ?? '') ? 1 : -1)),
  };
}
