// The message content pipeline: small ordered processors that run before a message is stored, on send and on edit,
// for every client contract (they all reach sendMessage / editMessage). The order is the one list below.
import type { Message } from '../domain/message.js';
import {
  type ContentContext,
  type ContentDraft,
  type ContentProcessor,
  emoticons,
  markdown,
  type ProcessorDeps,
  profanityFilter,
  sealSensitive,
  sensitiveData,
  spamGuard,
  textMentions,
} from './content-processors.js';

/**
 * 1 spam (refuses) → 2 profanity (masks or refuses) → 3 emoticons → 4 sensitive data (masks) → 5 mentions →
 * 6 markdown (renders the masked text) → 7 seal (encrypts the clear text of what 4 masked).
 */
export const CONTENT_PIPELINE: readonly ContentProcessor[] = [
  spamGuard,
  profanityFilter,
  emoticons,
  sensitiveData,
  textMentions,
  markdown,
  sealSensitive,
];

/** The fields the pipeline sets on a message (absent ones are left off the stored message). */
export type ContentFields = Pick<
  Message,
  'content' | 'mentions' | 'moderation' | 'formattedContent' | 'isEncrypted' | 'keyVersion' | 'redactions' | 'sealed'
>;

/** Every field the pipeline owns: an edit replaces them all. */
export const CONTENT_FIELD_NAMES = [
  'moderation',
  'formattedContent',
  'isEncrypted',
  'keyVersion',
  'redactions',
  'sealed',
] as const;

export async function processContent(
  deps: ProcessorDeps,
  input: { text: string; mentions: readonly string[] },
  ctx: ContentContext,
  processors: readonly ContentProcessor[] = CONTENT_PIPELINE,
): Promise<ContentFields> {
  let draft: ContentDraft = {
    text: input.text,
    clear: null,
    redactions: [],
    mentions: [...input.mentions],
    moderation: null,
    formattedContent: null,
    sealed: null,
  };
  for (const processor of processors) draft = await processor.run(deps, draft, ctx);
  if (draft.clear !== null)
    throw new Error('content pipeline: clear text left unsealed (the seal processor must run last)');
  return {
    content: draft.text,
    mentions: draft.mentions,
    ...(draft.moderation !== null && { moderation: draft.moderation }),
    ...(draft.formattedContent !== null && { formattedContent: draft.formattedContent }),
    ...(draft.sealed !== null && {
      isEncrypted: true,
      keyVersion: draft.sealed.keyVersion,
      redactions: draft.redactions,
      sealed: draft.sealed.sealed,
    }),
  };
}

/** The message without the pipeline's fields (before an edit sets them anew). */
export function withoutContentFields(m: Message): Message {
  const copy: Partial<Message> = { ...m };
  for (const name of CONTENT_FIELD_NAMES) delete copy[name];
  return copy as Message;
}
