import type { Message, MessageType } from '../client/types.js';

/** A message the user sent that the server has not confirmed yet (the seed's `status: 'sending'`). */
export interface PendingMessage {
  clientMessageId: string;
  conversationId: string;
  content: string;
  type: MessageType;
  replyToMessageId: string | null;
  mentions: string[];
  status: 'sending' | 'failed';
  error: string | null;
  createdAt: string;
  /** Uploads: 0..1 while the file goes up; the attachment id once it is stored (a retry does not upload again). */
  upload: { file: Blob; fileName: string; kind: string; progress: number; attachmentId: string | null } | null;
  /** Voice notes: seconds, sent with the upload. */
  duration?: number;
  /** A local object URL of an image being sent, shown until the server's thumbnail replaces it. */
  previewUrl: string | null;
}

/** One conversation's loaded messages, ordered by seq, and how far they are known without a gap. */
export interface Thread {
  messages: Message[];
  pending: PendingMessage[];
  /** Every message up to this seq is known (or does not exist for this reader): catch up with `after=top`. */
  top: number;
  hasOlder: boolean;
  loaded: boolean;
  /** userId → highest seq they read / had delivered (read ticks, "seen by"). */
  readUpTo: Record<string, number>;
  deliveredUpTo: Record<string, number>;
}

export function emptyThread(): Thread {
  return { messages: [], pending: [], top: 0, hasOlder: false, loaded: false, readUpTo: {}, deliveredUpTo: {} };
}

/**
 * Puts messages into the thread by seq: a seq already there is replaced (an edit, a reveal), never duplicated; a
 * pending message with the same clientMessageId is confirmed (removed). Returns the seqs that were new.
 */
export function mergeMessages(thread: Thread, incoming: readonly Message[]): number[] {
  const added: number[] = [];
  for (const m of incoming) {
    const at = thread.messages.findIndex((x) => x.seq >= m.seq);
    if (at >= 0 && thread.messages[at]?.seq === m.seq) thread.messages.splice(at, 1, m);
    else {
      thread.messages.splice(at < 0 ? thread.messages.length : at, 0, m);
      added.push(m.seq);
    }
    const cid = m.clientMessageId ?? m.tempId;
    if (cid) {
      const i = thread.pending.findIndex((p) => p.clientMessageId === cid && p.conversationId === m.conversationId);
      if (i >= 0) {
        const [p] = thread.pending.splice(i, 1);
        if (p?.previewUrl && typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(p.previewUrl);
      }
    }
  }
  return added;
}

/**
 * The copy to keep of a message OnMessageReceived announces: the event carries it as sent, so a copy already in the
 * thread (the send's answer, a later OnMessageUpdated such as its link previews, a catch-up) is as new or newer.
 */
export function receivedCopy(thread: Thread, m: Message): Message {
  return thread.messages.find((x) => x.seq === m.seq) ?? m;
}

/**
 * Whether an OnMessageUpdated is for a message this loaded thread has not got yet (the update outran the message's
 * own event): its `message` is then taken as the new message itself, rather than dropped with what it adds.
 */
export function updateIsNew(thread: Thread, seq: number): boolean {
  return thread.loaded && seq > thread.top && !thread.messages.some((m) => m.seq === seq);
}

/** A live message: true when it follows what is known without a gap (else: catch up first). */
export function followsWithoutGap(thread: Thread, seq: number): boolean {
  return seq <= thread.top + 1;
}

/** Raises a reader's mark (read or delivered); marks only move forward. */
export function raise(marks: Record<string, number>, userId: string, seq: number): void {
  if ((marks[userId] ?? 0) < seq) marks[userId] = seq;
}

/** Who (other than the sender) has read this seq. */
export function seenBy(thread: Thread, seq: number, senderId: string): string[] {
  return Object.entries(thread.readUpTo)
    .filter(([u, s]) => u !== senderId && s >= seq)
    .map(([u]) => u)
    .sort();
}

/**
 * The tick of one of my messages: read by every other participant, delivered to someone, or just stored. The
 * server's `status` (sender's view: `read` = someone read it) counts when live receipts have not said more yet.
 */
export function tickOf(
  thread: Thread,
  seq: number,
  me: string,
  others: readonly string[],
  serverStatus?: string,
): 'read' | 'delivered' | 'sent' {
  const readers = others.filter((u) => u !== me);
  if (serverStatus === 'read' && readers.length === 1) return 'read';
  if (serverStatus === 'read' || serverStatus === 'delivered')
    return tickOf(thread, seq, me, others) === 'read' ? 'read' : 'delivered';
  if (readers.length > 0 && readers.every((u) => (thread.readUpTo[u] ?? 0) >= seq)) return 'read';
  if (readers.some((u) => (thread.deliveredUpTo[u] ?? 0) >= seq || (thread.readUpTo[u] ?? 0) >= seq))
    return 'delivered';
  return 'sent';
}
