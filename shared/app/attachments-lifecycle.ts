import { ORPHAN_AFTER_HOURS } from '../domain/attachment.js';
import { AppError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { type AttachmentDeps, loadRecord, purge, updateRecord } from './attachments-records.js';
import { recheckScan } from './attachments-scan.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';

type LifecycleDeps = AttachmentDeps & Pick<AppDeps, 'telemetry'>;

/**
 * Removes the blobs of the uploads these messages carry (delete for everyone; retention's sweep calls it for the
 * messages it removes). An upload another message still carries (a forwarded copy) keeps its blobs and loses only
 * this link. External links are not ours and are left alone. Returns how many uploads were deleted.
 */
export async function removeAttachmentBlobs(
  deps: LifecycleDeps,
  messages: readonly Pick<Message, 'id' | 'conversationId' | 'attachments'>[],
): Promise<number> {
  const s = deps.attachments;
  if (!s) return 0;
  let removed = 0;
  for (const message of messages) {
    for (const a of message.attachments) {
      if (a.id === undefined || a.external === true) continue;
      const id = a.id;
      const done = await quietly(deps, 'attachment removal', async () => {
        const isThis = (l: { conversationId: string; messageId: string }) =>
          l.conversationId === message.conversationId && l.messageId === message.id;
        const left = await updateRecord(s.blobs, id, (r) =>
          r.links.some(isThis) ? { ...r, links: r.links.filter((l) => !isThis(l)) } : null,
        ).catch((e: unknown) => {
          if (e instanceof AppError && e.kind === 'not_found') return null;
          throw e;
        });
        if (left === null || left.links.length > 0) return false;
        // why: an upload never linked (its link step failed) but claimed by this message's conversation goes too
        if (left.claim !== null && left.claim.conversationId !== message.conversationId) return false;
        await purge(s.blobs, left);
        return true;
      });
      if (done === true) removed++;
    }
  }
  if (removed > 0) deps.telemetry.metric('AttachmentsRemoved', removed);
  return removed;
}

export interface SweepReport {
  orphansRemoved: number;
  linked: number;
  scansResolved: number;
}

/**
 * The attachments timer: removes uploads no message carries ORPHAN_AFTER_HOURS after they were made (an unlinked
 * claim whose message exists is linked instead), and asks the scanner again about pending scans.
 */
export async function sweepAttachments(
  deps: LifecycleDeps & Pick<AppDeps, 'store' | 'clock'>,
  opts: { batch?: number } = {},
): Promise<SweepReport> {
  const report: SweepReport = { orphansRemoved: 0, linked: 0, scansResolved: 0 };
  const s = deps.attachments;
  if (!s) return report;
  const batch = opts.batch ?? 200;
  const cutoff = new Date(deps.clock.now().getTime() - ORPHAN_AFTER_HOURS * 3600_000).toISOString();
  for (const marker of await s.blobs.list('pending/', batch)) {
    const m = /^pending\/([^/]+)\/(.+)$/.exec(marker);
    if (!m) continue;
    const [, createdAt = '', id = ''] = m;
    // why: markers are named time first, so the listing is oldest first and the first young one ends the work
    if (createdAt > cutoff) break;
    await quietly(deps, 'attachment sweep', async () => {
      const got = await loadRecord(s.blobs, id).catch(() => null);
      if (!got) return s.blobs.delete([marker]);
      const { record } = got;
      if (record.links.length > 0) return s.blobs.delete([marker]);
      const claim = record.claim;
      const message =
        claim === null
          ? null
          : await deps.store.findByClientMessageId(claim.conversationId, claim.senderId, claim.clientMessageId);
      if (message && !message.isDeleted && message.attachments.some((a) => a.id === id)) {
        await updateRecord(s.blobs, id, (r) => ({
          ...r,
          links: [...r.links, { conversationId: message.conversationId, messageId: message.id }],
        }));
        report.linked++;
        return s.blobs.delete([marker]);
      }
      await purge(s.blobs, record);
      report.orphansRemoved++;
    });
  }
  for (const marker of await s.blobs.list('scanning/', batch)) {
    const id = marker.slice('scanning/'.length);
    await quietly(deps, 'attachment scan check', async () => {
      const got = await loadRecord(s.blobs, id).catch(() => null);
      if (!got) return s.blobs.delete([marker]);
      const after = await recheckScan(deps, s, got.record, { throwPending: false }).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'ATTACHMENT.INFECTED') return null;
        throw e;
      });
      if (after === null || after.scanStatus !== 'pending') report.scansResolved++;
    });
  }
  if (report.orphansRemoved > 0) deps.telemetry.metric('AttachmentOrphansRemoved', report.orphansRemoved);
  return report;
}
