/**
 * Moves every member's inbox entry (lastSeq, lastActivityAt) forward to the conversation's CURRENT lastSeq, coalesced
 * per conversation within the process: a job whose seq is already covered skips; while one advance of a
 * conversation runs, the jobs arriving meanwhile wait and are then covered by at most one more advance. A burst of
 * 100 messages therefore costs each member a few writes, not 100. Across processes nothing is shared: a second
 * instance may advance again, which the store's forward-only patches make harmless (Cosmos answers 412, no write).
 */
import type { Conversation } from '../domain/conversation.js';
import type { AppDeps } from './deps.js';

const REMEMBERED_MAX = 10_000;

export class InboxFanOut {
  /** Highest seq every member of the conversation was moved to by this process. */
  private readonly reached = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: Pick<AppDeps, 'store'>) {}

  /** Ensures every member is at least at `seq`; `conversation` is a fresh read (its lastSeq is the target). */
  async cover(conversation: Conversation, seq: number, at: string): Promise<void> {
    const id = conversation.id;
    for (;;) {
      if ((this.reached.get(id) ?? 0) >= seq) return;
      const current = this.running.get(id);
      if (current === undefined) break;
      // why: a failed run is not ours to report; the loop then tries itself
      await current.catch(() => undefined);
    }
    const target = Math.max(conversation.lastSeq, seq);
    const newest =
      conversation.lastMessageAt !== null && conversation.lastMessageAt > at ? conversation.lastMessageAt : at;
    const run = this.deps.store.advanceMemberships(
      id,
      conversation.participants.map((p) => p.userId),
      // why: no sender: the sender's own read mark moved on the send path, and seq may be someone else's message
      { seq: target, at: newest, senderId: '' },
    );
    this.running.set(id, run);
    try {
      await run;
      this.remember(id, target);
    } finally {
      this.running.delete(id);
    }
  }

  private remember(conversationId: string, seq: number): void {
    const before = this.reached.get(conversationId) ?? 0;
    this.reached.delete(conversationId);
    this.reached.set(conversationId, Math.max(before, seq));
    if (this.reached.size > REMEMBERED_MAX) {
      const oldest = this.reached.keys().next();
      if (oldest.done !== true) this.reached.delete(oldest.value);
    }
  }
}
