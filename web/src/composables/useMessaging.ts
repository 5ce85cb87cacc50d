import { computed, reactive, ref } from 'vue';
import { type ChatApi, ChatApiError } from '../client/http.js';
import type { ConnectionStatus, Realtime } from '../client/realtime.js';
import type { ConversationDetail, InboxEntry, Message, PresenceStatus, ServerEvents } from '../client/types.js';
import { type Drafts, useDrafts } from './drafts.js';
import { type OutgoingMessage, pendingOf, sendInputOf } from './outgoing.js';
import {
  emptyThread,
  followsWithoutGap,
  mergeMessages,
  type PendingMessage,
  raise,
  receivedCopy,
  type Thread,
  updateIsNew,
} from './thread.js';
import { type Typists, useTyping } from './typing.js';

export interface MessagingOptions {
  me: string;
  api: ChatApi;
  realtime: Realtime;
  /** Whether the user can see the open conversation now (marks messages read only then). */
  isVisible?: () => boolean;
  newId?: () => string;
  /** Delay before a typed draft is saved to the server. */
  draftDelayMs?: number;
}

const errorText = (e: unknown) =>
  e instanceof ChatApiError ? e.detail : e instanceof Error ? e.message.replace(/^.*Exception: /s, '') : String(e);

/**
 * The client state of the seed's `useMessaging`: inbox, threads by seq, optimistic sends matched by clientMessageId,
 * typing, presence, receipts, drafts, and catch-up with `?after=` whenever a gap may exist (reconnect, missed seq).
 */
export function useMessaging(opts: MessagingOptions) {
  const { me, api, realtime } = opts;
  const isVisible = opts.isVisible ?? (() => typeof document === 'undefined' || document.visibilityState === 'visible');
  const newId = opts.newId ?? (() => crypto.randomUUID());

  const status = ref<ConnectionStatus>('connecting');
  const inbox = ref<InboxEntry[]>([]);
  const showArchived = ref(false);
  const activeId = ref<string | null>(null);
  const detail = ref<ConversationDetail | null>(null);
  const openError = ref<string | null>(null);
  const threads = reactive<Record<string, Thread>>({});
  /** conversationId → userId → true while they type. */
  const typing = reactive<Typists>({});
  const presence = reactive<Record<string, { status: PresenceStatus; lastSeen: string | null }>>({});
  const myStatus = ref<PresenceStatus>('online');
  const drafts = reactive<Drafts>({});
  const revealed = reactive<Record<string, string>>({});
  /** The composer's mode, set from a message's actions: replying to it or editing it. */
  const replyTo = ref<Message | null>(null);
  const editing = ref<Message | null>(null);

  const thread = (id: string): Thread => {
    threads[id] ??= emptyThread();
    return threads[id];
  };
  const active = computed(() => (activeId.value ? thread(activeId.value) : null));
  /** Unread messages the user wants to hear about: not in archived or muted conversations. */
  const unreadTotal = computed(() =>
    inbox.value.reduce((n, c) => n + (c.isArchived || c.isMuted ? 0 : c.unreadCount), 0),
  );

  // ---- inbox ---------------------------------------------------------------------------------------------------
  const sortInbox = () =>
    inbox.value.sort(
      (a, b) => Number(b.isPinned) - Number(a.isPinned) || b.lastActivityAt.localeCompare(a.lastActivityAt),
    );

  async function loadInbox(): Promise<void> {
    const page = await api.listConversations({ archived: showArchived.value });
    inbox.value = page.conversations;
    sortInbox();
    const others = [...new Set(page.conversations.flatMap((c) => c.participants.map((p) => p.userId)))].filter(
      (u) => u !== me,
    );
    // why: my own status too (set in another tab or before a reload)
    const answer = await api.presence([me, ...others.slice(0, 99)]).catch(() => null);
    for (const [u, p] of Object.entries(answer?.presence ?? {})) {
      if (u === me) {
        if (p.isOnline && p.status !== 'offline') myStatus.value = p.status;
      } else presence[u] = { status: p.isOnline ? p.status : 'offline', lastSeen: p.lastSeen };
    }
  }

  let inboxTimer: ReturnType<typeof setTimeout> | undefined;
  /** Many events in a burst cost one inbox read. */
  const refreshInboxSoon = () => {
    clearTimeout(inboxTimer);
    inboxTimer = setTimeout(() => void loadInbox().catch(() => undefined), 300);
  };

  async function updateSettings(id: string, s: { muted?: boolean; archived?: boolean; pinned?: boolean }) {
    const r = await api.updateSettings(id, s);
    const entry = inbox.value.find((c) => c.conversationId === id);
    if (entry) Object.assign(entry, { isMuted: r.muted, isArchived: r.archived, isPinned: r.pinned });
    if (s.archived !== undefined) inbox.value = inbox.value.filter((c) => c.isArchived === showArchived.value);
    sortInbox();
  }

  // ---- threads and catch-up ------------------------------------------------------------------------------------
  const catching = new Map<string, Promise<void>>();

  /** Reads every message after the known top, page by page; concurrent calls share one run. */
  function catchUp(id: string): Promise<void> {
    const running = catching.get(id);
    if (running) return running.then(() => catchUp(id));
    const run = (async () => {
      const t = thread(id);
      for (;;) {
        const page = await api.listMessages(id, { after: t.top, limit: 100 });
        mergeMessages(t, page.messages);
        const newest = page.messages.at(-1)?.seq ?? t.top;
        t.top = Math.max(t.top, page.hasMore ? newest : Math.max(newest, page.lastSeq));
        if (!page.hasMore) break;
      }
      markReadIfSeen(id);
    })().finally(() => catching.delete(id));
    catching.set(id, run);
    return run;
  }

  async function loadOlder(id: string): Promise<void> {
    const t = thread(id);
    const oldest = t.messages[0]?.seq;
    if (!t.hasOlder || oldest === undefined) return;
    const page = await api.listMessages(id, { before: oldest, limit: 50 });
    mergeMessages(t, page.messages);
    t.hasOlder = page.hasMore;
  }

  /** Read ticks of what is loaded: who read my recent messages (the receipts API, up to 100 ids). */
  async function loadReceipts(id: string): Promise<void> {
    const t = thread(id);
    const mine = t.messages.filter((m) => m.senderId === me).slice(-100);
    if (mine.length === 0) return;
    const { receipts } = await api.receipts(mine.map((m) => m.id));
    for (const r of receipts) for (const u of r.readBy) raise(t.readUpTo, u.userId, r.seq);
  }

  async function open(id: string): Promise<void> {
    activeId.value = id;
    openError.value = null;
    replyTo.value = null;
    editing.value = null;
    detail.value = null;
    try {
      const d = await api.getConversation(id);
      if (activeId.value !== id) return;
      detail.value = d;
    } catch (e) {
      if (activeId.value === id) {
        openError.value =
          e instanceof ChatApiError && e.status === 404
            ? 'This conversation does not exist or you are not one of its participants.'
            : errorText(e);
      }
      return;
    }
    const t = thread(id);
    if (!t.loaded) {
      const page = await api.listMessages(id, { limit: 50 });
      mergeMessages(t, page.messages);
      t.top = Math.max(t.top, page.lastSeq);
      t.hasOlder = page.hasMore;
      t.loaded = true;
    } else await catchUp(id);
    await Promise.all([
      loadReceipts(id).catch(() => undefined),
      loadDraft(id).catch(() => undefined),
      realtime.connected ? realtime.joinConversation(id).then((j) => setTypists(id, j.typing)) : undefined,
    ]).catch(() => undefined);
    markReadIfSeen(id);
  }

  function close(): void {
    activeId.value = null;
    detail.value = null;
    openError.value = null;
  }

  /** Marks the open conversation read up to its newest message, when the user can see it. */
  function markReadIfSeen(id: string): void {
    if (activeId.value !== id || !isVisible()) return;
    const t = thread(id);
    const newest = t.messages.at(-1)?.seq ?? 0;
    if (newest <= (t.readUpTo[me] ?? 0)) return;
    raise(t.readUpTo, me, newest);
    const entry = inbox.value.find((c) => c.conversationId === id);
    if (entry) Object.assign(entry, { unreadCount: 0, lastReadSeq: newest });
    const mark = realtime.connected ? realtime.markAsRead(id, newest) : api.markRead(id, newest);
    void Promise.resolve(mark).catch(() => undefined);
  }

  // ---- sending -------------------------------------------------------------------------------------------------
  async function attempt(p: PendingMessage): Promise<void> {
    p.status = 'sending';
    p.error = null;
    try {
      const input = await sendInputOf(api, p);
      // why: the hub when connected (the seed's path); the HTTP API otherwise — both are idempotent by clientMessageId
      const stored = realtime.connected ? await realtime.sendMessage(input) : (await api.sendMessage(input)).message;
      accept(stored);
    } catch (e) {
      p.status = 'failed';
      p.error = errorText(e);
    }
  }

  /** Shows the message at once as "sending"; the server's copy replaces it (matched by clientMessageId). */
  async function send(id: string, out: OutgoingMessage): Promise<void> {
    const t = thread(id);
    t.pending.push(pendingOf(id, out, newId()));
    stopTyping(id);
    clearDraft(id);
    // why: the reactive proxy, so status changes made by attempt() reach the view
    const tracked = t.pending[t.pending.length - 1];
    if (tracked) await attempt(tracked);
  }

  /** Sends a failed message again with the same clientMessageId: the server stores it at most once. */
  async function retry(id: string, clientMessageId: string): Promise<void> {
    const p = thread(id).pending.find((x) => x.clientMessageId === clientMessageId);
    if (p && p.status === 'failed') await attempt(p);
  }

  function discard(id: string, clientMessageId: string): void {
    const t = thread(id);
    t.pending = t.pending.filter((x) => x.clientMessageId !== clientMessageId);
  }

  /** A stored message (answer of a send, or a live event). */
  function accept(m: Message): void {
    const t = thread(m.conversationId);
    const gapless = followsWithoutGap(t, m.seq);
    mergeMessages(t, [m]);
    if (gapless) t.top = Math.max(t.top, m.seq);
    else if (t.loaded) void catchUp(m.conversationId).catch(() => undefined);
    if (m.senderId === me) raise(t.readUpTo, me, m.seq);
  }

  async function edit(id: string, messageId: string, content: string) {
    const { message } = await api.editMessage(id, messageId, content);
    mergeMessages(thread(id), [message]);
  }

  async function remove(id: string, messageId: string) {
    await api.deleteMessage(id, messageId);
    const m = thread(id).messages.find((x) => x.id === messageId);
    if (m) Object.assign(m, { isDeleted: true, content: '', attachments: [] });
  }

  async function toggleReaction(id: string, messageId: string, reaction: string) {
    const m = thread(id).messages.find((x) => x.id === messageId);
    const on = !(m?.reactions[reaction] ?? []).includes(me);
    const r = await api.react(id, messageId, reaction, on);
    if (m) m.reactions = r.reactions;
  }

  async function reveal(id: string, messageId: string) {
    const { message } = await api.getMessage(id, messageId, { reveal: true });
    revealed[messageId] = message.content;
  }

  const { typed, stopTyping, setTyping, setTypists } = useTyping(me, realtime, typing);
  const { loadDraft, setDraft, clearDraft } = useDrafts(api, drafts, inbox, opts.draftDelayMs);

  /** Full-text search over every conversation of the user (server side). */
  const searchMessages = async (text: string) => (await api.searchMessages(text)).results.map((r) => r.message);

  // ---- presence ------------------------------------------------------------------------------------------------
  async function setMyStatus(s: Exclude<PresenceStatus, 'offline'>) {
    await api.setPresence(s);
    myStatus.value = s;
  }

  // ---- conversations -------------------------------------------------------------------------------------------
  async function createConversation(input: { type: 'direct' | 'group'; participants: string[]; title?: string }) {
    const { conversationId } = await api.createConversation(input);
    await loadInbox();
    return conversationId;
  }

  async function reloadDetail(id: string) {
    if (activeId.value !== id) return;
    try {
      detail.value = await api.getConversation(id);
    } catch (e) {
      if (e instanceof ChatApiError && e.status === 404) {
        detail.value = null;
        openError.value = 'You are no longer a participant of this conversation.';
      }
    }
  }

  // ---- events --------------------------------------------------------------------------------------------------
  const handlers: { [K in keyof ServerEvents]: (p: ServerEvents[K]) => void } = {
    OnMessageReceived: (m) => {
      accept(receivedCopy(thread(m.conversationId), m));
      setTyping(m.conversationId, m.senderId, false);
      if (m.suggestedResponses && activeId.value === m.conversationId && detail.value)
        detail.value.suggestedResponses = m.suggestedResponses;
      const entry = inbox.value.find((c) => c.conversationId === m.conversationId);
      if (!entry) return refreshInboxSoon();
      entry.lastMessage = {
        id: m.id,
        seq: m.seq,
        senderId: m.senderId,
        type: m.type,
        preview: m.content.slice(0, 100),
        createdAt: m.createdAt,
      };
      entry.lastActivityAt = m.createdAt;
      entry.lastSeq = Math.max(entry.lastSeq, m.seq);
      if (m.senderId !== me) {
        if (activeId.value === m.conversationId && isVisible()) markReadIfSeen(m.conversationId);
        else entry.unreadCount = Math.max(0, entry.lastSeq - entry.lastReadSeq);
        if (realtime.connected) realtime.markAsDelivered(m.conversationId, m.seq).catch(() => undefined);
      }
      sortInbox();
    },
    OnMessageUpdated: (e) => {
      const t = threads[e.conversationId];
      if (t?.messages.some((m) => m.seq === e.seq)) mergeMessages(t, [e.message]);
      else if (t && updateIsNew(t, e.seq)) accept(e.message);
    },
    OnMessageDeleted: (e) => {
      const m = threads[e.conversationId]?.messages.find((x) => x.seq === e.seq);
      if (!m) return;
      if (e.reason === 'failed') {
        const t = thread(e.conversationId);
        t.messages = t.messages.filter((x) => x.seq !== e.seq);
      } else if (e.forEveryone) Object.assign(m, { isDeleted: true, content: '', attachments: [] });
      else if (e.deletedBy === me) {
        const t = thread(e.conversationId);
        t.messages = t.messages.filter((x) => x.seq !== e.seq);
      }
    },
    OnReaction: (e) => {
      const m = threads[e.conversationId]?.messages.find((x) => x.seq === e.seq);
      if (m) m.reactions = e.reactions;
    },
    OnMessageRead: (e) => {
      raise(thread(e.conversationId).readUpTo, e.userId, e.seq);
      if (e.userId === me) {
        const entry = inbox.value.find((c) => c.conversationId === e.conversationId);
        if (entry) Object.assign(entry, { lastReadSeq: e.seq, unreadCount: Math.max(0, entry.lastSeq - e.seq) });
      }
    },
    OnMessageDelivered: (e) => raise(thread(e.conversationId).deliveredUpTo, e.userId, e.seq),
    OnTypingIndicator: (e) => {
      if (e.userId !== me) setTyping(e.conversationId, e.userId, e.isTyping);
    },
    UserOnline: (e) => {
      presence[e.userId] = { status: (e.status as PresenceStatus | undefined) ?? 'online', lastSeen: null };
    },
    UserOffline: (e) => {
      presence[e.userId] = { status: 'offline', lastSeen: e.lastSeen };
    },
    ConversationUpdated: (e) => {
      refreshInboxSoon();
      void reloadDetail(e.conversationId);
    },
    OnParticipantsChanged: (e) => {
      refreshInboxSoon();
      void reloadDetail(e.conversationId);
    },
  };
  for (const name of Object.keys(handlers) as (keyof ServerEvents)[])
    realtime.on(name, handlers[name] as (p: ServerEvents[typeof name]) => void);

  /** After a reconnect: every loaded thread and the inbox are read again from where they were (no gap). */
  async function resync(): Promise<void> {
    await Promise.all([
      loadInbox().catch(() => undefined),
      ...Object.entries(threads)
        .filter(([, t]) => t.loaded)
        .map(([id]) => catchUp(id).catch(() => undefined)),
    ]);
    if (activeId.value && realtime.connected) await realtime.joinConversation(activeId.value).catch(() => undefined);
  }

  return {
    me,
    status,
    inbox,
    unreadTotal,
    showArchived,
    activeId,
    detail,
    openError,
    threads,
    active,
    typing,
    presence,
    myStatus,
    drafts,
    revealed,
    replyTo,
    editing,
    thread,
    loadInbox,
    updateSettings,
    open,
    close,
    loadOlder,
    catchUp,
    resync,
    send,
    retry,
    discard,
    edit,
    remove,
    toggleReaction,
    reveal,
    typed,
    stopTyping,
    setDraft,
    setMyStatus,
    createConversation,
    markReadIfSeen,
    searchMessages,
    addParticipants: (id: string, userIds: string[]) => api.addParticipants(id, userIds).then(() => reloadDetail(id)),
    removeParticipant: (id: string, userId: string) => api.removeParticipant(id, userId).then(() => reloadDetail(id)),
    setRole: (id: string, userId: string, role: 'admin' | 'member') =>
      api.setRole(id, userId, role).then(() => reloadDetail(id)),
    attachmentUrl: api.attachmentUrl,
  };
}

export type Messaging = ReturnType<typeof useMessaging>;
