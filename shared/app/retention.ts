/**
 * The retention sweep (the `retention` queue, fed by a timer). Cosmos DB deletes expired messages by their `ttl`;
 * where the store does not (`enforcesTtl` false: memory, the embedded server) the sweep deletes them itself from
 * `createdAt` + the conversation's retention. Either way it removes what TTL cannot reach:
 *   - attachment blobs of expired messages (ahead of their TTL where the store enforces it) and of messages deleted
 *     for everyone (removeAttachmentBlobs of the attachments feature);
 *   - the idempotency claims of deleted messages (the store removes them with the message); search reads the stored
 *     messages, so a deleted message is gone from search too;
 *   - the conversation's last-message preview once the message it shows is gone;
 *   - a conversation with no message left and no activity for its retention period, with its memberships (their
 *     drafts go with them) and its Redis keys (typing, read-mark cache).
 * Idempotent (a second run finds nothing more), bounded (at most `batch` removals per run), resumable (the cursor
 * is persisted after every conversation, so a crashed run is picked up where it stopped). Reports its counts as a
 * telemetry event and a log line.
 */

import type { Conversation } from '../domain/conversation.js';
import type { Message } from '../domain/message.js';
import { removeAttachmentBlobs } from './attachments-lifecycle.js';
import type { AppDeps } from './deps.js';

export type RetentionDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'clock' | 'telemetry' | 'retention' | 'attachments'>;

/**
 * Removes the blobs of these messages' attachments; returns how many blobs were removed. Must be idempotent (a blob
 * already gone counts 0). Default: the attachments feature's removeAttachmentBlobs (nothing without a blob store).
 */
export type BlobRemover = (messages: Message[]) => Promise<number>;

export interface SweepReport {
  conversationsScanned: number;
  messagesDeleted: number;
  blobsRemoved: number;
  previewsCleared: number;
  conversationsRemoved: number;
  membershipsRemoved: number;
  redisKeysRemoved: number;
  /** true when the run stopped at its bound: the rest waits for the next run (from the persisted cursor). */
  more: boolean;
}

const DAY_MS = 86_400_000;
/** With TTL enforced, blobs go this long before their message expires, so the TTL cannot orphan them. */
export const BLOB_LEAD_MS = DAY_MS;
const PAGE = 50;

export async function sweepRetention(
  deps: RetentionDeps,
  opts: { removeBlobs?: BlobRemover; batch?: number } = {},
): Promise<SweepReport> {
  const report: SweepReport = {
    conversationsScanned: 0,
    messagesDeleted: 0,
    blobsRemoved: 0,
    previewsCleared: 0,
    conversationsRemoved: 0,
    membershipsRemoved: 0,
    redisKeysRemoved: 0,
    more: false,
  };
  const removeBlobs = opts.removeBlobs ?? ((ms: Message[]) => removeAttachmentBlobs(deps, ms));
  let budget = opts.batch ?? deps.retention.sweepBatch ?? 500;
  let cursor = (await deps.store.getRetentionCursor()) ?? '';
  for (;;) {
    const page = await deps.store.listConversationsAfter(cursor, PAGE);
    for (const c of page) {
      const left = await sweepConversation(deps, c, budget, removeBlobs, report);
      budget = left;
      if (budget <= 0) {
        // why: the conversation may have more to remove; the next run starts at it again (not after it)
        report.more = true;
        break;
      }
      cursor = c.id;
      report.conversationsScanned++;
      await deps.store.putRetentionCursor(cursor);
    }
    if (report.more) break;
    if (page.length < PAGE) {
      await deps.store.putRetentionCursor(null); // a full pass: the next run starts from the beginning
      break;
    }
  }
  const counts = { ...report, more: String(report.more) };
  deps.telemetry.event('RetentionSwept', counts);
  deps.telemetry.log('info', 'retention sweep', { ...report });
  return report;
}

/** Sweeps one conversation within `budget` removals; returns the budget left. */
async function sweepConversation(
  deps: RetentionDeps,
  c: Conversation,
  budget: number,
  removeBlobs: BlobRemover,
  report: SweepReport,
): Promise<number> {
  let left = budget;
  // deleted for everyone: the message stays (as "deleted"), its files go; clearing the list makes this idempotent
  const deleted = await deps.store.listDeletedWithAttachments(c.id, left);
  if (deleted.length > 0) {
    report.blobsRemoved += await removeBlobs(deleted);
    for (const m of deleted) await deps.store.updateMessage(c.id, m.id, (x) => ({ ...x, attachments: [] }));
    left -= deleted.length;
  }
  if (c.retentionDays === null || left <= 0) return left;
  const now = deps.clock.now().getTime();
  const cutoff = new Date(now - c.retentionDays * DAY_MS).toISOString();

  if (deps.store.enforcesTtl) {
    // TTL deletes the documents; their blobs must go first, or nothing would know about them any more
    const soon = new Date(now - c.retentionDays * DAY_MS + BLOB_LEAD_MS).toISOString();
    const withFiles = await deps.store.listMessagesBefore(c.id, soon, left, { withAttachments: true });
    if (withFiles.length > 0) {
      report.blobsRemoved += await removeBlobs(withFiles);
      for (const m of withFiles)
        await deps.store.updateMessage(c.id, m.id, (x) => ({ ...x, attachments: [] })).catch(() => undefined);
      left -= withFiles.length;
    }
  } else {
    const expired = await deps.store.listMessagesBefore(c.id, cutoff, left);
    if (expired.length > 0) {
      const withFiles = expired.filter((m) => m.attachments.length > 0);
      if (withFiles.length > 0) report.blobsRemoved += await removeBlobs(withFiles);
      report.messagesDeleted += await deps.store.deleteMessages(c.id, expired);
      left -= expired.length;
    }
  }
  if (left <= 0) return left;

  if (c.lastMessage !== null && c.lastMessage.createdAt < cutoff) {
    if (await deps.store.clearLastMessage(c.id, c.lastMessage.id)) report.previewsCleared++;
  }
  const lastActivity = [c.updatedAt, c.lastMessageAt ?? c.createdAt].sort().at(-1) ?? c.createdAt;
  if (lastActivity >= cutoff) return left;
  const remaining = await deps.store.listMessages(c.id, { afterSeq: 0, limit: 1 });
  if (remaining.length > 0) return left;
  // nothing left and idle for its retention: the conversation goes, inbox entries (with drafts) and Redis keys too
  for (const p of c.participants) {
    await deps.store.deleteMembership(p.userId, c.id);
    report.membershipsRemoved++;
  }
  report.redisKeysRemoved += (await deps.ephemeral.forgetConversation(c.id).catch(() => 0)) ?? 0;
  await deps.store.deleteConversation(c.id);
  report.conversationsRemoved++;
  return left - 1;
}
