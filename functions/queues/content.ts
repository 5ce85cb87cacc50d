// Queue consumers of the content pipeline after persisting: link previews and auto-translation. Both idempotent
// (a redelivered job finds its work stored and only pushes again); a throw abandons the message for redelivery.
import { handleLinkPreviewJob } from '../../shared/app/link-previews.js';
import { runTranslationJob } from '../../shared/app/translation.js';
import { LinkPreviewJobSchema, TranslationJobSchema } from '../../shared/domain/jobs.js';
import { queueConsumer } from '../../shared/runtime/queue-trigger.js';

// Fetches the message's first URLs safely, stores metadata.linkPreviews, pushes OnMessageUpdated.
queueConsumer('link-previews', { queue: 'link-previews', body: LinkPreviewJobSchema }, async ({ body, runtime }) => {
  const { pushes } = await handleLinkPreviewJob(runtime.linkPreviews, body);
  return { pushes };
});

// Translates the message for opted-in participants who read another language; OnMessageTranslated to each of them.
// A Translator asking to wait gets a scheduled copy of the job (enqueued by the wrapper) instead of a redelivery.
queueConsumer('translations', { queue: 'translations', body: TranslationJobSchema }, async ({ body, runtime }) => {
  const { pushes, jobs } = await runTranslationJob(runtime.deps, body);
  return { pushes, jobs };
});
