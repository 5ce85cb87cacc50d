import type { Ref } from 'vue';
import type { ChatApi } from '../client/http.js';
import type { InboxEntry } from '../client/types.js';

/** conversationId → the composer's unsent text and what it replies to. */
export type Drafts = Record<string, { content: string; replyToMessageId: string | null }>;

/** Drafts kept locally at once and on the server (`PUT drafts/{id}`) shortly after the last keystroke. */
export function useDrafts(api: ChatApi, drafts: Drafts, inbox: Ref<InboxEntry[]>, delayMs = 700) {
  const draftTimers = new Map<string, ReturnType<typeof setTimeout>>();

  async function loadDraft(id: string): Promise<void> {
    if (drafts[id]) return;
    const { draft } = await api.getDraft(id).catch(() => ({ draft: null }));
    drafts[id] = { content: draft?.content ?? '', replyToMessageId: draft?.replyToMessageId ?? null };
  }

  /** Keeps the text locally at once and on the server shortly after the last keystroke (restored on any device). */
  function setDraft(id: string, content: string, replyToMessageId: string | null = null): void {
    drafts[id] = { content, replyToMessageId };
    clearTimeout(draftTimers.get(id));
    draftTimers.set(
      id,
      setTimeout(() => {
        const save = content.trim() ? api.saveDraft(id, { content, replyToMessageId }) : api.deleteDraft(id);
        void save.catch(() => undefined);
      }, delayMs),
    );
  }

  function clearDraft(id: string): void {
    clearTimeout(draftTimers.get(id));
    const had = (drafts[id]?.content ?? '') !== '';
    drafts[id] = { content: '', replyToMessageId: null };
    const entry = inbox.value.find((c) => c.conversationId === id);
    if (had || entry?.hasDraft) void api.deleteDraft(id).catch(() => undefined);
    if (entry) entry.hasDraft = false;
  }

  return { loadDraft, setDraft, clearDraft };
}
