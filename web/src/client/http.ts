import type { TokenProvider } from './token.js';
import type {
  ConversationDetail,
  Draft,
  Inbox,
  Message,
  MessagePage,
  Participant,
  Presence,
  PresenceStatus,
  Receipt,
  Role,
  SendInput,
  UploadedAttachment,
} from './types.js';

/** A problem+json answer of the API, with its `code` (e.g. CONVERSATION.NOT_FOUND) and `detail`. */
export class ChatApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${detail} (${code})`);
    this.name = 'ChatApiError';
  }
}

export interface ChatApiOptions {
  /** Backend origin, e.g. https://chat-func.azurewebsites.net; '' = the page's own origin. */
  baseUrl: string;
  /**
   * The bearer token, asked for before every call (from your identity provider; locally POST /api/dev/token).
   * `renewingToken()` renews it before it expires; a 401 asks once more with `forceRefresh` and retries once.
   */
  token: TokenProvider;
}

export interface UploadProgress {
  (loaded: number, total: number): void;
}

const M = '/api/v1/messaging';
const enc = encodeURIComponent;

async function problemOf(r: Response): Promise<ChatApiError> {
  try {
    const p = (await r.json()) as { code?: string; detail?: string; title?: string };
    return new ChatApiError(r.status, p.code ?? `HTTP.${r.status}`, p.detail ?? p.title ?? r.statusText);
  } catch {
    return new ChatApiError(r.status, `HTTP.${r.status}`, r.statusText || `HTTP ${r.status}`);
  }
}

/** Asks the dev-auth backend (AUTH_MODE=dev, never on Azure) for a token of any user id. */
export async function devToken(baseUrl: string, userId: string): Promise<string> {
  const r = await fetch(`${baseUrl}/api/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  if (!r.ok) throw await problemOf(r);
  return ((await r.json()) as { token: string }).token;
}

/** The HTTP half of the native contract, typed. Every method throws ChatApiError on a problem answer. */
export function createChatApi({ baseUrl, token }: ChatApiOptions) {
  /** Sends with a token; on a 401 (expired, revoked) once more with a freshly fetched one. */
  async function authorized<R extends { status: number }>(send: (token: string) => Promise<R>): Promise<R> {
    const first = await send(await token());
    if (first.status !== 401) return first;
    return send(await token({ forceRefresh: true }));
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await authorized((bearer) =>
      fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch(() => {
        // why: fetch rejects only when no answer came (offline, reset, CORS); its TypeError text says little
        throw new ChatApiError(0, 'NETWORK', 'network error: the server could not be reached');
      }),
    );
    if (!r.ok) throw await problemOf(r);
    return (r.status === 204 ? undefined : await r.json()) as T;
  }

  /** One multipart POST with progress (XMLHttpRequest: fetch reports no upload progress); resolves on any status. */
  function post(path: string, form: FormData, bearer: string, onProgress?: UploadProgress): Promise<Response> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${baseUrl}${path}`);
      xhr.setRequestHeader('authorization', `Bearer ${bearer}`);
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
      xhr.onerror = () =>
        reject(new ChatApiError(0, 'NETWORK', 'network error: the upload could not reach the server'));
      xhr.onload = () => resolve(new Response(xhr.responseText || null, { status: xhr.status }));
      xhr.send(form);
    });
  }

  async function upload<T>(path: string, form: FormData, onProgress?: UploadProgress): Promise<T> {
    const r = await authorized((bearer) => post(path, form, bearer, onProgress));
    if (!r.ok) throw await problemOf(r);
    return (await r.json()) as T;
  }

  const conv = (id: string) => `${M}/conversations/${enc(id)}`;
  const query = (q: Record<string, string | number | boolean | undefined>) => {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) s.set(k, String(v));
    const text = s.toString();
    return text ? `?${text}` : '';
  };

  return {
    listConversations: (opts: { archived?: boolean; pageSize?: number } = {}) =>
      call<Inbox>('GET', `${M}/conversations${query({ archived: opts.archived, pageSize: opts.pageSize ?? 50 })}`),
    createConversation: (input: { type: 'direct' | 'group'; participants: string[]; title?: string }) =>
      call<{ conversationId: string }>('POST', `${M}/conversations`, input),
    getConversation: (id: string) => call<ConversationDetail>('GET', conv(id)),
    updateSettings: (id: string, s: { muted?: boolean; archived?: boolean; pinned?: boolean }) =>
      call<{ muted: boolean; archived: boolean; pinned: boolean }>('PUT', `${conv(id)}/settings`, s),
    leave: (id: string) => call<void>('DELETE', conv(id)),
    addParticipants: (id: string, userIds: string[]) =>
      call<{ participants: Participant[] }>('POST', `${conv(id)}/participants`, { userIds }),
    removeParticipant: (id: string, userId: string) => call<void>('DELETE', `${conv(id)}/participants`, { userId }),
    setRole: (id: string, userId: string, role: Exclude<Role, 'owner'>) =>
      call<unknown>('PUT', `${conv(id)}/participants/${enc(userId)}`, { role }),
    /** Messages by seq: `after` for catch-up (ascending), `before` for older history. */
    listMessages: (id: string, q: { after?: number; before?: number; limit?: number }) =>
      call<MessagePage>('GET', `${conv(id)}/messages${query({ ...q, limit: q.limit ?? 50 })}`),
    getMessage: (id: string, messageId: string, opts: { reveal?: boolean } = {}) =>
      call<{ message: Message }>('GET', `${conv(id)}/messages/${enc(messageId)}${query({ reveal: opts.reveal })}`),
    sendMessage: (input: SendInput) => {
      const { conversationId, ...body } = input;
      return call<{ message: Message; tempId: string | null }>('POST', `${conv(conversationId)}/messages`, body);
    },
    editMessage: (id: string, messageId: string, content: string) =>
      call<{ message: Message }>('PUT', `${conv(id)}/messages/${enc(messageId)}`, { content }),
    deleteMessage: (id: string, messageId: string) =>
      call<unknown>('DELETE', `${conv(id)}/messages/${enc(messageId)}?forEveryone=true`),
    react: (id: string, messageId: string, reaction: string, on: boolean) =>
      call<{ reactions: Record<string, string[]> }>(
        on ? 'POST' : 'DELETE',
        `${conv(id)}/messages/${enc(messageId)}/react`,
        {
          reaction,
        },
      ),
    markRead: (id: string, seq: number) =>
      call<{ lastReadSeq: number; unreadCount: number }>('POST', `${conv(id)}/read`, { seq }),
    receipts: (messageIds: string[]) =>
      call<{ receipts: Receipt[] }>('GET', `${M}/messages/receipts?ids=${messageIds.map(enc).join(',')}`),
    searchMessages: (text: string, conversationId?: string) =>
      call<{ results: { conversationId: string; message: Message }[]; totalCount: number }>(
        'GET',
        `${M}/messages/search${query({ query: text, conversationId })}`,
      ),
    getDraft: (id: string) => call<{ draft: Draft | null }>('GET', `${M}/drafts/${enc(id)}`),
    saveDraft: (id: string, draft: { content: string; replyToMessageId?: string | null }) =>
      call<unknown>('PUT', `${M}/drafts/${enc(id)}`, draft),
    deleteDraft: (id: string) => call<void>('DELETE', `${M}/drafts/${enc(id)}`),
    presence: (userIds: string[]) =>
      call<{ presence: Record<string, Presence> }>('POST', `${M}/presence/get`, { userIds }),
    setPresence: (status: Exclude<PresenceStatus, 'offline'>, statusMessage?: string) =>
      call<{ presence: Presence }>('POST', `${M}/presence/update`, { status, statusMessage }),
    uploadAttachment: (
      file: Blob,
      fileName: string,
      type: string,
      conversationId: string,
      onProgress?: UploadProgress,
    ) => {
      const form = new FormData();
      form.set('file', file, fileName);
      form.set('type', type);
      form.set('conversationId', conversationId);
      return upload<UploadedAttachment>(`${M}/attachments/upload`, form, onProgress);
    },
    uploadVoice: (
      audio: Blob,
      durationSeconds: number,
      conversationId: string,
      fileName: string,
      onProgress?: UploadProgress,
    ) => {
      const form = new FormData();
      form.set('audio', audio, fileName);
      form.set('duration', String(durationSeconds));
      form.set('conversationId', conversationId);
      return upload<UploadedAttachment>(`${M}/attachments/voice`, form, onProgress);
    },
    /** A short-lived read URL of an attachment variant (an <img> cannot send the bearer token itself). */
    attachmentUrl: (attachmentId: string, variant: 'original' | 'full' | 'thumb' | 'micro') =>
      call<{ url: string; expiresAt: string }>(
        'GET',
        `${M}/attachments/${enc(attachmentId)}${query({ variant, format: 'json' })}`,
      ),
  };
}

export type ChatApi = ReturnType<typeof createChatApi>;
