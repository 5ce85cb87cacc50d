import { describe, expect, it } from 'vitest';
import { sendMessage } from '../../shared/app/messages.js';
import { kindOf, withDirect } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const limits = { sendPerMinute: 2, typingPerMinute: 10, conversationsPerMinute: 10 };

describe('a retried send near the rate limit', () => {
  it('when a stored message is retried after the limit is hit, then the first message comes back and nothing is stored', async () => {
    const t = await withDirect({ limits });
    const { deps, id } = t;
    const first = await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    await sendMessage(deps, alice, id, { content: 'two', clientMessageId: 'cm-2' });
    expect(await kindOf(sendMessage(deps, alice, id, { content: 'three', clientMessageId: 'cm-3' }))).toBe(
      'rate_limited:RATE_LIMITED',
    );

    await runMessageEvents(t); // the first send's side effects are done: a retry re-emits nothing
    const retry = await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    expect(retry).toEqual({
      result: { message: first.result.message, tempId: 'cm-1', created: false },
      pushes: [],
    });
    expect((await deps.store.getConversation(id))?.lastSeq).toBe(2);
  });

  it('when the limit is hit, then a new clientMessageId, one of someone else, or none at all is still refused', async () => {
    const { deps, id } = await withDirect({ limits });
    await sendMessage(deps, { userId: 'bob' }, id, { content: 'bob', clientMessageId: 'cm-bob' });
    await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    await sendMessage(deps, alice, id, { content: 'two' });
    for (const input of [{ clientMessageId: 'cm-new' }, { clientMessageId: 'cm-bob' }, {}]) {
      expect(await kindOf(sendMessage(deps, alice, id, { content: 'x', ...input }))).toBe('rate_limited:RATE_LIMITED');
    }
    expect((await deps.store.getConversation(id))?.lastSeq).toBe(3);
  });

  it('when a retry comes before the limit, then it takes a token like any send but stores nothing new', async () => {
    const { deps, id } = await withDirect({ limits });
    await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    const retry = await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    expect(retry.result.created).toBe(false);
    // the bucket is empty now: a new message waits, the retry still answers
    expect(await kindOf(sendMessage(deps, alice, id, { content: 'two' }))).toBe('rate_limited:RATE_LIMITED');
    expect((await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' })).result.created).toBe(
      false,
    );
  });
});
