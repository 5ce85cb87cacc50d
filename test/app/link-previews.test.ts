import { describe, expect, it } from 'vitest';
import { handleLinkPreviewJob, type LinkPreviewDeps } from '../../shared/app/link-previews.js';
import { messageEventsConsumer } from '../../shared/app/message-events.js';
import { deleteMessage, editMessage, sendMessage } from '../../shared/app/messages.js';
import { type LinkPreviewJob, LinkPreviewJobSchema } from '../../shared/domain/jobs.js';
import type { LinkPreview } from '../../shared/domain/link-preview.js';
import type { LinkPreviewer } from '../../shared/ports/link-preview.js';
import { memoryContent, withGroup } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };

/** A previewer over a fixed table of pages (the real one is tested in test/adapters): it records what was asked. */
function tablePreviewer(pages: Record<string, string>) {
  const asked: string[] = [];
  const previewer: LinkPreviewer = {
    preview: (url) => {
      asked.push(url);
      const title = pages[url];
      const preview: LinkPreview | null =
        title === undefined
          ? null
          : { url, finalUrl: url, title, description: null, imageUrl: null, siteName: 'Example' };
      return Promise.resolve(preview);
    },
  };
  return { previewer, asked };
}

async function sent(content: string) {
  // why: a new sender's link limit (the spam guard, tested on its own) would refuse the many-URL cases
  const spam = { repeatMax: 3, repeatWindowSeconds: 60, newSenderMaxLinks: 10, newSenderHours: 24 };
  const t = await withGroup({ content: memoryContent({ spam }) });
  const { result } = await sendMessage(t.deps, alice, t.id, { content });
  await runMessageEvents(t);
  const jobs = t.queue.drain('link-previews').map((j) => ({ id: j.id, body: LinkPreviewJobSchema.parse(j.body) }));
  return { ...t, message: result.message, jobs };
}

const previewDeps = (t: Awaited<ReturnType<typeof sent>>, previewer: LinkPreviewer, maxUrls = 3): LinkPreviewDeps => ({
  store: t.deps.store,
  telemetry: t.deps.telemetry,
  previewer,
  maxUrls,
});

describe('link previews after persisting', () => {
  it('when a message has a URL, then message-events enqueues one link-previews job keyed by the message; without a URL, none', async () => {
    const t = await sent('look https://a.example/x');
    expect(t.jobs).toEqual([
      { id: `preview:${t.message.id}`, body: { conversationId: t.id, messageId: t.message.id, seq: 1 } },
    ]);
    expect((await sent('no links here')).jobs).toEqual([]);
  });

  it('when LINK_PREVIEW_MAX_URLS is 0, then no link-previews job is enqueued', async () => {
    const t = await withGroup();
    await sendMessage(t.deps, alice, t.id, { content: 'https://a.example' });
    await runMessageEvents(t, messageEventsConsumer(t.deps, [], { linkPreviews: false }));
    expect(t.queue.drain('link-previews')).toEqual([]);
  });

  it('when the job runs, then the first N URLs are previewed, stored in metadata.linkPreviews and pushed as OnMessageUpdated', async () => {
    const t = await sent('https://a.example https://b.example https://c.example https://d.example');
    const pages = tablePreviewer({
      'https://a.example': 'A',
      'https://c.example': 'C',
      'https://d.example': 'D',
    });
    const { result, pushes } = await handleLinkPreviewJob(
      previewDeps(t, pages.previewer, 3),
      t.jobs[0]?.body as LinkPreviewJob,
    );
    expect(pages.asked).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
    expect(result).toEqual({ previews: 2 });
    const stored = await t.deps.store.getMessage(t.id, t.message.id);
    expect(stored?.metadata?.linkPreviews?.map((p) => p.title)).toEqual(['A', 'C']);
    expect(stored?.isEdited).toBe(false);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({
      kind: 'event',
      target: 'OnMessageUpdated',
      to: { group: `conversation:${t.id}` },
      payload: { conversationId: t.id, messageId: t.message.id, seq: 1, reason: 'linkPreviews' },
    });
    const payload = pushes[0]?.kind === 'event' ? pushes[0].payload : {};
    expect((payload.message as { metadata: unknown }).metadata).toEqual(stored?.metadata);
  });

  it('when the job is delivered again, then nothing is fetched again and the same update is pushed again', async () => {
    const t = await sent('https://a.example');
    const pages = tablePreviewer({ 'https://a.example': 'A' });
    const job = t.jobs[0]?.body as LinkPreviewJob;
    const first = await handleLinkPreviewJob(previewDeps(t, pages.previewer), job);
    const again = await handleLinkPreviewJob(previewDeps(t, pages.previewer), job);
    expect(pages.asked).toEqual(['https://a.example']);
    expect(again.pushes).toEqual(first.pushes);
  });

  it('when no URL has a preview, then the message is not touched and nothing is pushed', async () => {
    const t = await sent('https://dead.example');
    const before = await t.deps.store.getMessage(t.id, t.message.id);
    const out = await handleLinkPreviewJob(
      previewDeps(t, tablePreviewer({}).previewer),
      t.jobs[0]?.body as LinkPreviewJob,
    );
    expect(out).toEqual({ result: { previews: 0 }, pushes: [] });
    expect(await t.deps.store.getMessage(t.id, t.message.id)).toEqual(before);
  });

  it('when a previewer throws, then that URL has no preview and the others still land', async () => {
    const t = await sent('https://boom.example https://a.example');
    const previewer: LinkPreviewer = {
      preview: (url) =>
        url.includes('boom')
          ? Promise.reject(new Error('boom'))
          : Promise.resolve({ url, finalUrl: url, title: 'A', description: null, imageUrl: null, siteName: null }),
    };
    const out = await handleLinkPreviewJob(previewDeps(t, previewer), t.jobs[0]?.body as LinkPreviewJob);
    expect(out.result).toEqual({ previews: 1 });
  });

  it('when the message was deleted or edited before the job ran, then the previews of the old text are not stored', async () => {
    const t = await sent('https://a.example');
    const pages = tablePreviewer({ 'https://a.example': 'A', 'https://b.example': 'B' });
    await editMessage(t.deps, alice, t.id, t.message.id, 'now https://b.example');
    // the edit has its own job; the first one, run late, previews the current text, not the old one
    const edits = t.queue.drain('link-previews');
    expect(edits.map((j) => j.id)).toEqual([`preview:${t.message.id}:edit1`]);
    await handleLinkPreviewJob(previewDeps(t, pages.previewer), t.jobs[0]?.body as LinkPreviewJob);
    expect((await t.deps.store.getMessage(t.id, t.message.id))?.metadata?.linkPreviews?.map((p) => p.title)).toEqual([
      'B',
    ]);

    const d = await sent('https://a.example');
    await deleteMessage(d.deps, alice, d.id, d.message.id, true);
    const out = await handleLinkPreviewJob(previewDeps(d, pages.previewer), d.jobs[0]?.body as LinkPreviewJob);
    expect(out.pushes).toEqual([]);
    expect((await d.deps.store.getMessage(d.id, d.message.id))?.metadata).toBeUndefined();
  });

  it('when a message with previews is edited, then its previews are dropped and the new text gets a job of its own', async () => {
    const t = await sent('https://a.example');
    const pages = tablePreviewer({ 'https://a.example': 'A', 'https://b.example': 'B' });
    await handleLinkPreviewJob(previewDeps(t, pages.previewer), t.jobs[0]?.body as LinkPreviewJob);
    const edited = await editMessage(t.deps, alice, t.id, t.message.id, 'https://b.example instead');
    expect(edited.result.metadata?.linkPreviews).toBeUndefined();
    const [job] = t.queue.drain('link-previews');
    expect(job?.id).toBe(`preview:${t.message.id}:edit1`);
    await handleLinkPreviewJob(previewDeps(t, pages.previewer), LinkPreviewJobSchema.parse(job?.body));
    expect((await t.deps.store.getMessage(t.id, t.message.id))?.metadata?.linkPreviews?.map((p) => p.title)).toEqual([
      'B',
    ]);
    // an edit to text without links enqueues nothing
    await editMessage(t.deps, alice, t.id, t.message.id, 'no links now');
    expect(t.queue.drain('link-previews')).toEqual([]);
  });
});
