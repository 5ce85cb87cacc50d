/**
 * Translation of messages: on request (POST …/translate) and automatically for participants who opted in (the
 * translations queue). Every translation is kept per (message, language) and served again while the message's
 * content is the one it was made from; edits and deletes drop them (dropTranslations).
 */
import { createHash } from 'node:crypto';
import type { Conversation } from '../domain/conversation.js';
import { AppError, conflict, invalid } from '../domain/errors.js';
import { EVENTS, type Outcome, type Push, toUsers } from '../domain/events.js';
import { type TranslationJob, translationJobId } from '../domain/jobs.js';
import type { Message } from '../domain/message.js';
import type { Job } from '../domain/queues.js';
import { inStayOf, joinedSeqOf, participantOf, visibleTo } from '../domain/rules.js';
import { languageKey, type MessageTranslation, type TranslationResult } from '../domain/translation.js';
import type { Translator } from '../ports/translator.js';
import { loadAsParticipant, loadMessage } from './access.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';
import { admit } from './rate-policy.js';

type TranslateDeps = Pick<
  AppDeps,
  'store' | 'translations' | 'translator' | 'clock' | 'ephemeral' | 'telemetry' | 'limits'
>;

const notConfigured = (): AppError =>
  new AppError(
    'unavailable',
    'TRANSLATION.NOT_CONFIGURED',
    'translation is not available on this deployment: no Translator is configured (TRANSLATOR_ENDPOINT)',
  );

const hashOf = (content: string): string => createHash('sha256').update(content).digest('base64url');

/** Same language for a reader: equal tags, or one is the bare language of the other (en and en-GB; not zh-Hans and zh-Hant). */
export function sameLanguage(a: string, b: string): boolean {
  const x = languageKey(a);
  const y = languageKey(b);
  if (x === y) return true;
  const [px, ...rx] = x.split('-');
  const [py, ...ry] = y.split('-');
  return px === py && (rx.length === 0 || ry.length === 0);
}

async function cachedTranslation(
  deps: Pick<AppDeps, 'translations'>,
  message: Message,
  language: string,
): Promise<MessageTranslation | null> {
  const found = await deps.translations.get(message.conversationId, message.id, language);
  return found !== null && found.sourceHash === hashOf(message.content) ? found : null;
}

function record(message: Message, language: string, text: string, detected: string | null, at: string) {
  return {
    conversationId: message.conversationId,
    messageId: message.id,
    language,
    translatedContent: text,
    detectedLanguage: detected,
    sourceHash: hashOf(message.content),
    translatedAt: at,
    ...(message.ttl !== undefined && { ttl: message.ttl }),
  } satisfies MessageTranslation;
}

/** POST …/messages/{id}/translate: a message the caller can see, in the language asked for. */
export async function translateMessage(
  deps: TranslateDeps,
  caller: Caller,
  conversationId: string,
  messageId: string,
  targetLanguage: string,
): Promise<TranslationResult> {
  const { message } = await loadMessage(deps, caller, conversationId, messageId);
  const translator = deps.translator;
  if (translator === null) throw notConfigured();
  if (message.isDeleted) throw conflict('a deleted message cannot be translated', 'MESSAGE.DELETED');
  if (message.content.trim() === '') throw invalid('this message has no text to translate', 'TRANSLATION.NO_TEXT');
  const base = { conversationId, messageId, targetLanguage };
  const cached = await cachedTranslation(deps, message, targetLanguage);
  if (cached)
    return {
      ...base,
      translatedContent: cached.translatedContent,
      detectedLanguage: cached.detectedLanguage,
      cached: true,
    };
  // why: each call costs Translator characters; the cache above is free
  await admit(deps, 'translate', caller.userId);
  const result = await translator.translate(message.content, [targetLanguage]);
  const text = result.translations[0]?.text ?? '';
  const at = deps.clock.now().toISOString();
  await quietly(deps, 'store translation', () =>
    deps.translations.put(record(message, targetLanguage, text, result.detectedLanguage, at)),
  );
  return { ...base, translatedContent: text, detectedLanguage: result.detectedLanguage, cached: false };
}

/** Edits and deletes: the old translations are of content that is gone. Best effort (they are never served stale). */
export async function dropTranslations(
  deps: Pick<AppDeps, 'translations' | 'telemetry'>,
  conversationId: string,
  messageId: string,
): Promise<void> {
  await quietly(deps, 'drop translations', () => deps.translations.deleteForMessage(conversationId, messageId));
}

/** POST …/auto-translate {enabled}: the caller's opt-in for this conversation. */
export async function setAutoTranslate(
  deps: Pick<AppDeps, 'store' | 'translator'>,
  caller: Caller,
  conversationId: string,
  enabled: boolean,
): Promise<{ conversationId: string; enabled: boolean; language: string | null }> {
  await loadAsParticipant(deps, caller, conversationId);
  if (enabled && deps.translator === null) throw notConfigured();
  await deps.store.updateConversation(conversationId, (c) => {
    const current = c.autoTranslate ?? [];
    const has = current.includes(caller.userId);
    if (has === enabled) return null;
    const next = enabled ? [...current, caller.userId] : current.filter((u) => u !== caller.userId);
    return { ...c, autoTranslate: next };
  });
  const profile = await deps.store.getProfile(caller.userId);
  return { conversationId, enabled, language: profile.language ?? null };
}

/** Whether anyone but the sender opted in: the message-events consumer enqueues a translations job only then. */
export const wantsAutoTranslation = (conversation: Conversation, senderId: string): boolean =>
  (conversation.autoTranslate ?? []).some((u) => u !== senderId && participantOf(conversation, u) !== undefined);

type AutoDeps = Pick<AppDeps, 'store' | 'translations' | 'translator' | 'clock' | 'telemetry'>;

/** Copies of a job scheduled after the Translator asked to wait; then the job fails into redelivery as any other. */
const MAX_TRANSLATION_RETRIES = 3;

/**
 * The translations queue consumer: handleTranslationJob, except that a Translator asking to wait (429 / 503 with
 * Retry-After) schedules a copy of the job for then instead of failing it: Service Bus would deliver it again at
 * once and spend its few deliveries in seconds.
 */
export async function runTranslationJob(
  deps: AutoDeps,
  job: TranslationJob,
): Promise<Outcome<{ translated: string[] }> & { jobs: Job[] }> {
  try {
    return { ...(await handleTranslationJob(deps, job)), jobs: [] };
  } catch (e) {
    const wait = e instanceof AppError && e.kind === 'unavailable' ? e.extra.retryAfterSeconds : undefined;
    const retry = (job.retry ?? 0) + 1;
    if (wait === undefined || retry > MAX_TRANSLATION_RETRIES) throw e;
    deps.telemetry.log('warn', 'translator asked to wait; translation job rescheduled', { retry, waitSeconds: wait });
    const notBefore = new Date(deps.clock.now().getTime() + wait * 1000);
    const copy: Job = {
      queue: 'translations',
      id: translationJobId(job.messageId, retry),
      body: { ...job, retry } satisfies TranslationJob,
      notBefore,
    };
    return { result: { translated: [] }, pushes: [], jobs: [copy] };
  }
}

/**
 * The translations queue: the message into the language of each opted-in participant who can see it and reads
 * another language than it is written in, each pushed as OnMessageTranslated to that user alone. The source
 * language is detected once (Translator /detect); languages already translated are taken from the store, so a
 * redelivered job calls the Translator for nothing it did before.
 */
export async function handleTranslationJob(
  deps: AutoDeps,
  job: TranslationJob,
): Promise<Outcome<{ translated: string[] }>> {
  const none = { result: { translated: [] }, pushes: [] };
  const translator = deps.translator;
  if (translator === null) return none;
  const [conversation, message] = await Promise.all([
    deps.store.getConversation(job.conversationId),
    deps.store.getMessage(job.conversationId, job.messageId),
  ]);
  if (!conversation || !message || message.isDeleted || message.content.trim() === '') return none;
  const readers = (conversation.autoTranslate ?? []).filter((userId) => {
    const p = participantOf(conversation, userId);
    return (
      p !== undefined && userId !== message.senderId && visibleTo(message, userId) && inStayOf(message, joinedSeqOf(p))
    );
  });
  if (readers.length === 0) return none;
  const profiles = await Promise.all(readers.map((u) => deps.store.getProfile(u)));
  const byLanguage = new Map<string, { language: string; users: string[] }>();
  for (const p of profiles) {
    if (p.language === undefined) continue;
    const key = languageKey(p.language);
    const entry = byLanguage.get(key) ?? { language: p.language, users: [] };
    entry.users.push(p.userId);
    byLanguage.set(key, entry);
  }
  if (byLanguage.size === 0) return none;
  const targets = [...byLanguage.values()];
  const known = await Promise.all(targets.map((t) => cachedTranslation(deps, message, t.language)));
  const detected =
    known.find((k) => k !== null)?.detectedLanguage ?? (await translator.detect(message.content)) ?? null;
  const wanted = targets.filter((t) => detected === null || !sameLanguage(t.language, detected));
  const texts = await translateMissing(deps, translator, message, wanted, known, targets, detected);
  const pushes: Push[] = wanted.flatMap((t) => {
    const text = texts.get(languageKey(t.language));
    if (text === undefined) return [];
    return [
      toUsers(t.users, EVENTS.messageTranslated, {
        conversationId: message.conversationId,
        messageId: message.id,
        seq: message.seq,
        language: t.language,
        translatedContent: text,
        detectedLanguage: detected,
      }),
    ];
  });
  return { result: { translated: wanted.map((t) => t.language) }, pushes };
}

/** The texts of `wanted` by language key: stored ones as they are, the rest in one Translator call, then stored. */
async function translateMissing(
  deps: AutoDeps,
  translator: Translator,
  message: Message,
  wanted: { language: string }[],
  known: (MessageTranslation | null)[],
  targets: { language: string }[],
  detected: string | null,
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  targets.forEach((t, i) => {
    const k = known[i];
    if (k) texts.set(languageKey(t.language), k.translatedContent);
  });
  const missing = wanted.filter((t) => !texts.has(languageKey(t.language)));
  if (missing.length === 0) return texts;
  const result = await translator.translate(
    message.content,
    missing.map((t) => t.language),
    detected ?? undefined,
  );
  const at = deps.clock.now().toISOString();
  for (const t of result.translations) {
    texts.set(languageKey(t.language), t.text);
    await deps.translations.put(record(message, t.language, t.text, result.detectedLanguage ?? detected, at));
  }
  return texts;
}
