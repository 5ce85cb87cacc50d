// The processors of the content pipeline, each small: a pure function of the domain, or one port call.
// Their order is decided in one place, pipeline.ts.

import { type SealedContent, sealingContext, sealText } from '../domain/content/cipher.js';
import { replaceEmoticons } from '../domain/content/emoticons.js';
import { maskProfanity, outsideMachineTokens } from '../domain/content/profanity.js';
import { findSensitive, maskSpans, type SensitiveKind } from '../domain/content/sensitive.js';
import { linksIn, repeatFingerprint } from '../domain/content/spam.js';
import { mentionsInText } from '../domain/content/text-mentions.js';
import type { Conversation } from '../domain/conversation.js';
import { AppError, invalid } from '../domain/errors.js';
import type { Moderation } from '../domain/message.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';

export type ProcessorDeps = Pick<AppDeps, 'content' | 'ephemeral' | 'telemetry'>;

export interface ContentContext {
  conversation: Pick<Conversation, 'id' | 'participants'>;
  senderId: string;
  now: Date;
  /** send or edit: both run the whole pipeline */
  action: 'send' | 'edit';
}

/** The message text on its way through the pipeline. */
export interface ContentDraft {
  /** The text as it will be stored and pushed (masks applied). */
  text: string;
  /** The text before sensitive data was masked (null: nothing masked); it is sealed, never stored as it is. */
  clear: string | null;
  redactions: SensitiveKind[];
  mentions: string[];
  moderation: Moderation | null;
  formattedContent: string | null;
  /** The sealed clear text and the KEK version of its data key. */
  sealed: { sealed: SealedContent; keyVersion: string } | null;
}

export interface ContentProcessor {
  name: string;
  run(deps: ProcessorDeps, draft: ContentDraft, ctx: ContentContext): ContentDraft | Promise<ContentDraft>;
}

const FIRST_SEEN_KEEP_SECONDS = 30 * 86_400;

/** Spam: the same text repeated by the same sender within a short window, or many links from a new sender. */
export const spamGuard: ContentProcessor = {
  name: 'spam',
  async run(deps, draft, ctx) {
    if (draft.text.trim() === '') return draft;
    const { spam } = deps.content.settings;
    const at = ctx.now.toISOString();
    // why quietly: the guard's state is ephemeral (Redis); when it is down messages go through, as with rate limits
    const noted = await quietly(deps, 'spam guard', () =>
      deps.ephemeral.noteSend(ctx.senderId, repeatFingerprint(draft.text), at, {
        windowSeconds: spam.repeatWindowSeconds,
        keepSeconds: FIRST_SEEN_KEEP_SECONDS,
      }),
    );
    const repeats = noted?.repeats;
    const firstSeen = noted?.firstSeen;
    if (repeats !== undefined && repeats > spam.repeatMax) {
      deps.telemetry.metric('SpamRefused', 1, { reason: 'repeated' });
      throw invalid(
        `the same text was sent ${repeats} times within ${spam.repeatWindowSeconds} s (at most ${spam.repeatMax})`,
        'MESSAGE.SPAM_REPEATED',
      );
    }
    const links = linksIn(draft.text).length;
    const isNew =
      firstSeen !== undefined && ctx.now.getTime() - Date.parse(firstSeen) < spam.newSenderHours * 3_600_000;
    if (isNew && links > spam.newSenderMaxLinks) {
      deps.telemetry.metric('SpamRefused', 1, { reason: 'links' });
      throw invalid(
        `a new sender may put at most ${spam.newSenderMaxLinks} links into a message (this one has ${links})`,
        'MESSAGE.SPAM_LINKS',
      );
    }
    return draft;
  },
};

/** Profanity: masked and flagged (`mask`), or refused (`reject`). */
export const profanityFilter: ContentProcessor = {
  name: 'profanity',
  run(deps, draft, ctx) {
    const mode = deps.content.settings.profanityMode;
    if (mode === 'off' || draft.text.trim() === '') return draft;
    const participants = new Set(ctx.conversation.participants.map((p) => p.userId));
    const spans = outsideMachineTokens(draft.text, deps.content.profanity.scan(draft.text), participants);
    if (spans.length === 0) return draft;
    deps.telemetry.metric('ProfanityFound', 1, { mode });
    if (mode === 'reject') throw invalid('the message contains words that are not allowed here', 'MESSAGE.PROFANITY');
    const reasons = [...new Set([...(draft.moderation?.reasons ?? []), 'profanity'])];
    return { ...draft, text: maskProfanity(draft.text, spans), moderation: { flagged: true, reasons } };
  },
};

/** Emoticons → emoji (CONTENT_EMOTICONS). */
export const emoticons: ContentProcessor = {
  name: 'emoticons',
  run: (deps, draft) => (deps.content.settings.emoticons ? { ...draft, text: replaceEmoticons(draft.text) } : draft),
};

/** Card numbers, SSNs, IBANs and secrets: masked in the text; the clear text is kept for sealing. */
export const sensitiveData: ContentProcessor = {
  name: 'sensitive-data',
  run(deps, draft) {
    if (!deps.content.settings.sensitiveData) return draft;
    const spans = findSensitive(draft.text);
    if (spans.length === 0) return draft;
    return {
      ...draft,
      clear: draft.text,
      text: maskSpans(draft.text, spans),
      redactions: [...new Set(spans.map((s) => s.kind))],
    };
  },
};

/** `@userId` of a participant → a mention, beside the explicit ones. */
export const textMentions: ContentProcessor = {
  name: 'mentions',
  run(_deps, draft, ctx) {
    const participants = new Set(ctx.conversation.participants.map((p) => p.userId));
    const found = mentionsInText(draft.text, participants).filter((u) => u !== ctx.senderId);
    return found.length === 0 ? draft : { ...draft, mentions: [...new Set([...draft.mentions, ...found])] };
  },
};

/** The markdown subset → sanitized HTML in formattedContent (CONTENT_MARKDOWN); from the masked text only. */
export const markdown: ContentProcessor = {
  name: 'markdown',
  run(deps, draft) {
    if (!deps.content.settings.markdown || draft.text.trim() === '') return draft;
    return { ...draft, formattedContent: deps.content.markdown.render(draft.text) };
  },
};

/** Seals the clear text with the conversation's current data key (AES-256-GCM envelope encryption). */
export const sealSensitive: ContentProcessor = {
  name: 'seal',
  async run(deps, draft, ctx) {
    if (draft.clear === null) return draft;
    const clear = draft.clear;
    let current: { keyVersion: string; key: Buffer };
    try {
      current = await deps.content.keys.current(ctx.conversation.id);
    } catch (e) {
      deps.telemetry.log('error', 'content keys unavailable', { error: e instanceof Error ? e.message : String(e) });
      // why: never store the clear text because the key service is down; the client retries
      throw new AppError(
        'unavailable',
        'CONTENT.KEYS_UNAVAILABLE',
        'the message holds sensitive data and its encryption key is unavailable; retry shortly',
        { retryAfterSeconds: 5 },
      );
    }
    const sealed = sealText(current.key, clear, sealingContext(ctx.conversation.id, ctx.senderId));
    return { ...draft, clear: null, sealed: { sealed, keyVersion: current.keyVersion } };
  },
};
