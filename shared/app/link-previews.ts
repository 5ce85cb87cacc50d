/**
 * Consumer of the link-previews queue: previews of the first URLs of a stored message land in its
 * `metadata.linkPreviews` (one store patch) and go out as OnMessageUpdated. Idempotent: a message that has its
 * previews already is not fetched again (its update is pushed again, which changes nothing on a client); a message
 * edited or deleted meanwhile is left alone (its new content is not what was previewed).
 */
import { EVENTS, type Outcome, toGroup } from '../domain/events.js';
import type { LinkPreviewJob } from '../domain/jobs.js';
import { urlsIn } from '../domain/link-preview.js';
import type { Message } from '../domain/message.js';
import { viewOf } from '../domain/rules.js';
import type { LinkPreviewer } from '../ports/link-preview.js';
import type { AppDeps } from './deps.js';

export type LinkPreviewDeps = Pick<AppDeps, 'store' | 'telemetry'> & {
  previewer: LinkPreviewer;
  /** Previews per message: the first N distinct URLs (LINK_PREVIEW_MAX_URLS). */
  maxUrls: number;
};

const updated = (m: Message) =>
  toGroup(m.conversationId, EVENTS.messageUpdated, {
    conversationId: m.conversationId,
    messageId: m.id,
    seq: m.seq,
    message: viewOf(m),
    reason: 'linkPreviews',
  });

export async function handleLinkPreviewJob(
  deps: LinkPreviewDeps,
  job: LinkPreviewJob,
): Promise<Outcome<{ previews: number }>> {
  const none = { result: { previews: 0 }, pushes: [] };
  const message = await deps.store.getMessage(job.conversationId, job.messageId);
  if (!message || message.isDeleted) return none;
  const done = message.metadata?.linkPreviews;
  if (done !== undefined) return { result: { previews: done.length }, pushes: [updated(message)] };
  const urls = urlsIn(message.content, deps.maxUrls);
  if (urls.length === 0) return none;
  const found = await Promise.all(
    urls.map((url) =>
      deps.previewer.preview(url).catch((e: unknown) => {
        deps.telemetry.log('warn', 'link preview failed', { error: e instanceof Error ? e.message : String(e) });
        return null;
      }),
    ),
  );
  const previews = found.filter((p) => p !== null);
  if (previews.length === 0) return none;
  const stored = await deps.store.updateMessage(job.conversationId, job.messageId, (m) =>
    m.isDeleted || m.content !== message.content || m.metadata?.linkPreviews !== undefined
      ? null
      : { ...m, metadata: { ...m.metadata, linkPreviews: previews } },
  );
  if (stored.isDeleted || stored.content !== message.content || stored.metadata?.linkPreviews === undefined)
    return none;
  return { result: { previews: stored.metadata.linkPreviews.length }, pushes: [updated(stored)] };
}
