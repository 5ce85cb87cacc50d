import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AzureTranslator } from '../../shared/adapters/translator/azure-translator.js';
import { addParticipants, getConversation } from '../../shared/app/conversations.js';
import { setPushPreferences } from '../../shared/app/devices.js';
import { deleteMessage, editMessage, sendMessage } from '../../shared/app/messages.js';
import {
  handleTranslationJob,
  runTranslationJob,
  sameLanguage,
  setAutoTranslate,
  translateMessage,
} from '../../shared/app/translation.js';
import type { Push } from '../../shared/domain/events.js';
import { TranslationJobSchema } from '../../shared/domain/jobs.js';
import { kindOf, withGroup } from '../support/deps.js';
import { startFakeTranslator } from '../support/fake-translator.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const carol = { userId: 'carol' };

let fake: Awaited<ReturnType<typeof startFakeTranslator>>;
beforeAll(async () => {
  fake = await startFakeTranslator();
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  fake.calls.length = 0;
});

const translator = () =>
  new AzureTranslator({ endpoint: fake.endpoint, auth: { kind: 'key', key: fake.key, region: 'westeurope' } });

/** A group of alice, bob and carol with a translator; `say` sends and runs the message-events consumer. */
async function world() {
  const t = await withGroup({ translator: translator() });
  await addParticipants(t.deps, alice, t.id, { userIds: ['carol'], role: 'member' });
  const say = async (from: { userId: string }, content: string) => {
    const { result } = await sendMessage(t.deps, from, t.id, { content });
    await runMessageEvents(t);
    return result.message;
  };
  const runTranslations = async () => {
    const pushes: Push[] = [];
    for (const job of t.queue.drain('translations'))
      pushes.push(...(await handleTranslationJob(t.deps, TranslationJobSchema.parse(job.body))).pushes);
    return pushes;
  };
  return { ...t, say, runTranslations };
}

describe('translate a message on request', () => {
  it('when a participant asks for a language, then the Translator’s text and detected language come back, and a second ask is served from the store', async () => {
    const t = await world();
    const m = await t.say(alice, 'bonjour à tous');
    const first = await translateMessage(t.deps, bob, t.id, m.id, 'en');
    expect(first).toEqual({
      conversationId: t.id,
      messageId: m.id,
      targetLanguage: 'en',
      translatedContent: '[en] bonjour à tous',
      detectedLanguage: 'fr',
      cached: false,
    });
    const again = await translateMessage(t.deps, carol, t.id, m.id, 'EN');
    expect(again).toMatchObject({ translatedContent: '[en] bonjour à tous', detectedLanguage: 'fr', cached: true });
    expect(fake.calls.filter((c) => c.operation === 'translate')).toHaveLength(1);
    expect(await t.deps.translations.get(t.id, m.id, 'en')).toMatchObject({ translatedContent: '[en] bonjour à tous' });
  });

  it('when the message is edited, then its translations are dropped and the next ask translates the new text', async () => {
    const t = await world();
    const m = await t.say(alice, 'hello');
    await translateMessage(t.deps, bob, t.id, m.id, 'de');
    await editMessage(t.deps, alice, t.id, m.id, 'hello again');
    expect(await t.deps.translations.get(t.id, m.id, 'de')).toBeNull();
    expect((await translateMessage(t.deps, bob, t.id, m.id, 'de')).translatedContent).toBe('[de] hello again');
  });

  it('when a stored translation is of older text (its drop failed), then it is not served', async () => {
    const t = await world();
    const m = await t.say(alice, 'hello');
    await translateMessage(t.deps, bob, t.id, m.id, 'de');
    // an edit whose drop did not happen: the store still holds the old translation
    await t.deps.store.updateMessage(t.id, m.id, (x) => ({ ...x, content: 'changed' }));
    expect(await translateMessage(t.deps, bob, t.id, m.id, 'de')).toMatchObject({
      translatedContent: '[de] changed',
      cached: false,
    });
  });

  it('when the message is deleted for everyone, then its translations are dropped and asking answers 409', async () => {
    const t = await world();
    const m = await t.say(alice, 'hello');
    await translateMessage(t.deps, bob, t.id, m.id, 'de');
    await deleteMessage(t.deps, alice, t.id, m.id, true);
    expect(await t.deps.translations.get(t.id, m.id, 'de')).toBeNull();
    expect(await kindOf(translateMessage(t.deps, bob, t.id, m.id, 'de'))).toBe('conflict:MESSAGE.DELETED');
  });

  it('when the caller cannot see the message, then it is 404 and the Translator is not called', async () => {
    const t = await world();
    const m = await t.say(alice, 'hello');
    expect(await kindOf(translateMessage(t.deps, { userId: 'mallory' }, t.id, m.id, 'de'))).toBe(
      'not_found:CONVERSATION.NOT_FOUND',
    );
    await deleteMessage(t.deps, bob, t.id, m.id, false);
    expect(await kindOf(translateMessage(t.deps, bob, t.id, m.id, 'de'))).toBe('not_found:MESSAGE.NOT_FOUND');
    expect(await kindOf(translateMessage(t.deps, bob, t.id, `${t.id}.99`, 'de'))).toBe('not_found:MESSAGE.NOT_FOUND');
    expect(fake.calls).toEqual([]);
  });

  it('when no Translator is configured, then it is 503 TRANSLATION.NOT_CONFIGURED (authorization still first)', async () => {
    const t = await withGroup();
    const { result } = await sendMessage(t.deps, alice, t.id, { content: 'hello' });
    expect(await kindOf(translateMessage(t.deps, bob, t.id, result.message.id, 'de'))).toBe(
      'unavailable:TRANSLATION.NOT_CONFIGURED',
    );
    expect(await kindOf(translateMessage(t.deps, { userId: 'mallory' }, t.id, result.message.id, 'de'))).toBe(
      'not_found:CONVERSATION.NOT_FOUND',
    );
  });

  it('when the Translator throttles beyond its retries, then the use case fails with 503 and the retry-after, and stores nothing', async () => {
    const t = await world();
    const m = await t.say(alice, 'hello');
    fake.failNext({ status: 429, retryAfter: '60' });
    await expect(translateMessage(t.deps, bob, t.id, m.id, 'de')).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'TRANSLATION.UNAVAILABLE',
      extra: { retryAfterSeconds: 60 },
    });
    expect(await t.deps.translations.get(t.id, m.id, 'de')).toBeNull();
  });

  it('when a message has no text, then it is 400 TRANSLATION.NO_TEXT', async () => {
    const t = await world();
    const { result } = await sendMessage(t.deps, alice, t.id, {
      type: 'image',
      attachments: [
        { type: 'image', url: 'https://cdn.example/a.png', fileName: 'a.png', mimeType: 'image/png', size: 1 },
      ],
    });
    expect(await kindOf(translateMessage(t.deps, bob, t.id, result.message.id, 'de'))).toBe(
      'validation:TRANSLATION.NO_TEXT',
    );
  });
});

describe('auto-translation on the translations queue', () => {
  it('when opted-in participants read other languages, then each gets OnMessageTranslated in theirs, alone', async () => {
    const t = await world();
    await setPushPreferences(t.deps, bob, { language: 'de' });
    await setPushPreferences(t.deps, carol, { language: 'fr' });
    expect((await setAutoTranslate(t.deps, bob, t.id, true)).language).toBe('de');
    await setAutoTranslate(t.deps, carol, t.id, true);
    const m = await t.say(alice, 'good morning');
    const pushes = await t.runTranslations();
    const byUser = Object.fromEntries(
      pushes.map((p) => [p.kind === 'event' && 'users' in p.to ? p.to.users.join() : '?', p]),
    );
    expect(Object.keys(byUser).sort()).toEqual(['bob', 'carol']);
    expect(byUser.bob).toMatchObject({
      target: 'OnMessageTranslated',
      payload: {
        conversationId: t.id,
        messageId: m.id,
        seq: m.seq,
        language: 'de',
        translatedContent: '[de] good morning',
        detectedLanguage: 'en',
      },
    });
    expect(byUser.carol).toMatchObject({ payload: { language: 'fr', translatedContent: '[fr] good morning' } });
    // one detect, one translate for both languages
    expect(fake.calls.map((c) => c.operation)).toEqual(['detect', 'translate']);
    expect(fake.calls[1]?.query.getAll('to').sort()).toEqual(['de', 'fr']);
    expect(fake.calls[1]?.query.get('from')).toBe('en');
    // stored: an ask for German is free now
    expect(await translateMessage(t.deps, bob, t.id, m.id, 'de')).toMatchObject({ cached: true });
  });

  it('when the reader’s language is the message’s, or the reader is the sender, then nothing is translated for them', async () => {
    const t = await world();
    await setPushPreferences(t.deps, bob, { language: 'en-GB' });
    await setPushPreferences(t.deps, alice, { language: 'de' });
    await setAutoTranslate(t.deps, bob, t.id, true);
    await setAutoTranslate(t.deps, alice, t.id, true);
    await t.say(alice, 'hello there');
    expect(await t.runTranslations()).toEqual([]);
    expect(fake.calls.map((c) => c.operation)).toEqual(['detect']);
  });

  it('when the job is delivered again, then the Translator is not called again and the same events go out', async () => {
    const t = await world();
    await setPushPreferences(t.deps, bob, { language: 'es' });
    await setAutoTranslate(t.deps, bob, t.id, true);
    const m = await t.say(alice, 'see you');
    const [job] = t.queue.drain('translations');
    const body = TranslationJobSchema.parse(job?.body);
    expect(job?.id).toBe(`translate:${m.id}`);
    const first = await handleTranslationJob(t.deps, body);
    const calls = fake.calls.length;
    const again = await handleTranslationJob(t.deps, body);
    expect(fake.calls.length).toBe(calls);
    expect(again.pushes).toEqual(first.pushes);
  });

  it('when nobody but the sender opted in, or someone opted out again, then no translations job is enqueued', async () => {
    const t = await world();
    await setPushPreferences(t.deps, alice, { language: 'de' });
    await setAutoTranslate(t.deps, alice, t.id, true);
    await t.say(alice, 'mine only');
    expect(t.queue.drain('translations')).toEqual([]);
    await setAutoTranslate(t.deps, bob, t.id, true);
    await setAutoTranslate(t.deps, bob, t.id, false);
    await t.say(alice, 'still nobody');
    expect(t.queue.drain('translations')).toEqual([]);
  });

  it('when an opted-in reader has no language yet, then the job translates nothing for them', async () => {
    const t = await world();
    expect(await setAutoTranslate(t.deps, bob, t.id, true)).toEqual({
      conversationId: t.id,
      enabled: true,
      language: null,
    });
    await t.say(alice, 'hello');
    expect(await t.runTranslations()).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('when the Translator fails during the job, then the job fails (to be delivered again) and nothing is pushed', async () => {
    const t = await world();
    await setPushPreferences(t.deps, bob, { language: 'de' });
    await setAutoTranslate(t.deps, bob, t.id, true);
    await t.say(alice, 'hello');
    fake.failNext({ status: 503 });
    await expect(t.runTranslations()).rejects.toMatchObject({ code: 'TRANSLATION.UNAVAILABLE' });
  });

  it('when opting in without a Translator, or as an outsider, then it is refused; the opt-in never shows in the conversation', async () => {
    const none = await withGroup();
    expect(await kindOf(setAutoTranslate(none.deps, bob, none.id, true))).toBe(
      'unavailable:TRANSLATION.NOT_CONFIGURED',
    );
    expect(await kindOf(setAutoTranslate(none.deps, bob, none.id, false))).toBe('ok');
    const t = await world();
    expect(await kindOf(setAutoTranslate(t.deps, { userId: 'mallory' }, t.id, true))).toBe(
      'not_found:CONVERSATION.NOT_FOUND',
    );
    await setAutoTranslate(t.deps, bob, t.id, true);
    const seen = await getConversation(t.deps, alice, t.id);
    expect(JSON.stringify(seen)).not.toContain('autoTranslate');
  });
});

describe('the preferred language', () => {
  it('when it is set with the push preferences, then both are kept; null clears the language only', async () => {
    const t = await withGroup();
    expect(await setPushPreferences(t.deps, bob, { language: 'pt-BR' })).toEqual({
      privatePreviews: false,
      pushEnabled: true,
      language: 'pt-BR',
    });
    expect(await setPushPreferences(t.deps, bob, { privatePreviews: true })).toEqual({
      privatePreviews: true,
      pushEnabled: true,
      language: 'pt-BR',
    });
    expect(await setPushPreferences(t.deps, bob, { language: null })).toEqual({
      privatePreviews: true,
      pushEnabled: true,
      language: null,
    });
    expect((await t.deps.store.getProfile('bob')).language).toBeUndefined();
  });

  it.each([
    ['en', 'en', true],
    ['en', 'EN-gb', true],
    ['pt-BR', 'pt', true],
    ['pt-BR', 'pt-PT', false],
    ['zh-Hans', 'zh-Hant', false],
    ['de', 'en', false],
  ])('%s and %s are the same language for a reader: %s', (a, b, same) => {
    expect(sameLanguage(a, b)).toBe(same);
  });
});

describe('a Translator that asks to wait during auto-translation', () => {
  it('when it answers 429 with Retry-After, then a copy of the job is scheduled for then; after 3 copies the job fails', async () => {
    const t = await world();
    await setPushPreferences(t.deps, bob, { language: 'de' });
    await setAutoTranslate(t.deps, bob, t.id, true);
    const m = await t.say(alice, 'hello');
    const [job] = t.queue.drain('translations');
    let body = TranslationJobSchema.parse(job?.body);
    const translatorOf = (s: number) =>
      new AzureTranslator({
        endpoint: fake.endpoint,
        auth: { kind: 'key', key: fake.key, region: undefined },
        retryBudgetMs: s,
      });
    const deps = { ...t.deps, translator: translatorOf(0) };
    for (const retry of [1, 2, 3]) {
      fake.failNext({ status: 429, retryAfter: '30' });
      const out = await runTranslationJob(deps, body);
      expect(out.pushes).toEqual([]);
      expect(out.jobs).toHaveLength(1);
      const [copy] = out.jobs;
      expect(copy?.id).toBe(`translate:${m.id}:retry${retry}`);
      expect(copy?.notBefore?.getTime()).toBe(t.deps.clock.now().getTime() + 30_000);
      body = TranslationJobSchema.parse(copy?.body);
      expect(body.retry).toBe(retry);
    }
    fake.failNext({ status: 429, retryAfter: '30' });
    await expect(runTranslationJob(deps, body)).rejects.toMatchObject({ code: 'TRANSLATION.UNAVAILABLE' });
    // the scheduled copy, when the Translator is back, does the work
    const done = await runTranslationJob(deps, { ...body, retry: 2 });
    expect(done.jobs).toEqual([]);
    expect(done.pushes).toHaveLength(1);
  });

  it('when it fails without saying when to come back (bad credentials), then the job fails into redelivery at once', async () => {
    const t = await world();
    await setPushPreferences(t.deps, bob, { language: 'de' });
    await setAutoTranslate(t.deps, bob, t.id, true);
    await t.say(alice, 'hello');
    const [job] = t.queue.drain('translations');
    const deps = {
      ...t.deps,
      translator: new AzureTranslator({
        endpoint: fake.endpoint,
        auth: { kind: 'key', key: 'wrong', region: undefined },
      }),
    };
    await expect(runTranslationJob(deps, TranslationJobSchema.parse(job?.body))).rejects.toMatchObject({
      code: 'TRANSLATION.UNAVAILABLE',
    });
  });
});
