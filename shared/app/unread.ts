import type { Membership } from '../domain/conversation.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';

/**
 * Unread counts leave out messages a reader will never see (deleted for everyone, or hidden "for me"). Each
 * membership keeps the seqs of such messages above its read mark (`goneSeqs`), so the inbox counts exactly from the
 * membership alone, with no message reads; marking read drops the seqs it passes. Idempotent: a seq is kept once.
 */
export async function leaveOutOfUnread(
  deps: Pick<AppDeps, 'store' | 'telemetry'>,
  conversationId: string,
  userIds: string[],
  seq: number,
): Promise<void> {
  await quietly(deps, 'unread counts', () =>
    Promise.all(
      userIds.map((u) =>
        deps.store.updateMembership(u, conversationId, (m) => {
          const gone = m.goneSeqs ?? [];
          if (seq <= m.lastReadSeq || gone.includes(seq)) return null;
          return { ...m, goneSeqs: [...gone.filter((s) => s > m.lastReadSeq), seq] };
        }),
      ),
    ),
  );
}

/** The gone seqs still above a new read mark. */
export const goneAbove = (m: Pick<Membership, 'goneSeqs'>, lastReadSeq: number): number[] =>
  (m.goneSeqs ?? []).filter((s) => s > lastReadSeq);
