import type { ChatApi } from '../client/http.js';
import type { MessageType, SendInput } from '../client/types.js';
import type { PendingMessage } from './thread.js';

/** What the composer sends: text, optionally a reply, mentions, one file or one voice note. */
export interface OutgoingMessage {
  content: string;
  replyToMessageId?: string | null;
  mentions?: string[];
  file?: { blob: Blob; fileName: string; kind: 'image' | 'document' | 'audio' | 'video' };
  voice?: { blob: Blob; duration: number; fileName: string };
}

const typeOf = (out: OutgoingMessage): MessageType => {
  if (out.voice) return 'audio';
  if (!out.file) return 'text';
  return out.file.kind === 'image' ? 'image' : out.file.kind === 'audio' ? 'audio' : 'file';
};

/** The pending bubble of a message about to be sent (status "sending", a fresh clientMessageId). */
export function pendingOf(conversationId: string, out: OutgoingMessage, clientMessageId: string): PendingMessage {
  const file = out.voice ? { blob: out.voice.blob, fileName: out.voice.fileName, kind: 'audio' } : out.file;
  return {
    clientMessageId,
    conversationId,
    content: out.content,
    type: typeOf(out),
    replyToMessageId: out.replyToMessageId ?? null,
    mentions: out.mentions ?? [],
    status: 'sending',
    error: null,
    createdAt: new Date().toISOString(),
    upload: file
      ? { file: file.blob, fileName: file.fileName, kind: file.kind, progress: 0, attachmentId: null }
      : null,
    ...(out.voice && { duration: out.voice.duration }),
    previewUrl:
      out.file?.kind === 'image' && typeof URL.createObjectURL === 'function'
        ? URL.createObjectURL(out.file.blob)
        : null,
  };
}

/**
 * The send input of a pending message, its file uploaded first (progress in `upload.progress`). An upload that
 * already succeeded is not repeated by a retry: its attachment id is kept.
 */
export async function sendInputOf(api: ChatApi, p: PendingMessage): Promise<SendInput> {
  let attachments: { attachmentId: string }[] | undefined;
  if (p.upload) {
    const u = p.upload;
    const progress = (loaded: number, total: number) => {
      u.progress = total ? loaded / total : 0;
    };
    if (!u.attachmentId) {
      const stored = p.duration
        ? await api.uploadVoice(u.file, p.duration, p.conversationId, u.fileName, progress)
        : await api.uploadAttachment(u.file, u.fileName, u.kind, p.conversationId, progress);
      u.attachmentId = stored.attachmentId;
      u.progress = 1;
    }
    attachments = [{ attachmentId: u.attachmentId }];
  }
  return {
    conversationId: p.conversationId,
    content: p.content,
    clientMessageId: p.clientMessageId,
    type: p.type,
    ...(p.replyToMessageId && { replyToMessageId: p.replyToMessageId }),
    ...(p.mentions.length > 0 && { mentions: p.mentions }),
    ...(attachments && { attachments }),
  };
}
