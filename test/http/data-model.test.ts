import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

/** The data model of issue 10 item 3, seen from outside: history by stay, forwarding. */
describe('data model over the local stack', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let n = 0;
  type User = { id: string; token: string };
  const person = async (name: string): Promise<User> => {
    const id = `${name}-dm${++n}`;
    return { id, token: await api.token(id) };
  };

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => stack?.stop());

  const send = (u: User, id: string, content: string) =>
    api.call('POST', `${M}/conversations/${id}/messages`, { token: u.token, body: { content } });

  it('when a member is removed and re-added, then messages from while they were away (and before) are not theirs: not listed, not readable, not searchable, not unread', async () => {
    const [alice, bob] = [await person('alice'), await person('bob')];
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'group', participants: [bob.id], title: 'g' },
    });
    const id: string = c.body.conversationId;
    await send(alice, id, 'hello team');
    expect(
      (
        await api.call('DELETE', `${M}/conversations/${id}/participants`, {
          token: alice.token,
          body: { userId: bob.id },
        })
      ).status,
    ).toBe(204);
    const away = await send(alice, id, 'secret while bob is away');
    const readded = await api.call('POST', `${M}/conversations/${id}/participants`, {
      token: alice.token,
      body: { userIds: [bob.id] },
    });
    expect(readded.status).toBe(200);
    await send(alice, id, 'welcome back');

    const list = await api.call('GET', `${M}/conversations/${id}/messages`, { token: bob.token });
    expect(list.status).toBe(200);
    const welcome = [`${alice.id} added ${bob.id}`, 'welcome back'];
    expect(list.body.messages.map((m: { content: string }) => m.content)).toEqual(welcome);
    const catchUp = await api.call('GET', `${M}/conversations/${id}/messages?after=0`, { token: bob.token });
    expect(catchUp.body.messages.map((m: { content: string }) => m.content)).toEqual(welcome);
    const detail = await api.call('GET', `${M}/conversations/${id}/messages/${away.body.message.id}`, {
      token: bob.token,
    });
    expect(detail.status).toBe(404);
    const search = await api.call('GET', `${M}/messages/search?query=secret`, { token: bob.token });
    expect(search.body.results).toEqual([]);
    const mine = await api.call('GET', `${M}/conversations/${id}`, { token: bob.token });
    // seq 2 is "alice removed bob", 3 the secret, 4 "alice added bob", 5 the welcome
    expect(mine.body.membership).toMatchObject({ joinedSeq: 3, lastReadSeq: 3 });
    const full = await api.call('GET', `${M}/conversations/${id}/messages`, { token: alice.token });
    expect(full.body.messages).toHaveLength(5);
  });

  it('when a message is forwarded into two of the caller’s conversations, then 201 with a forwarded copy in each; a retry answers 200 with the same copies', async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    const open = (u: User, participants: string[], type = 'group') =>
      api.call('POST', `${M}/conversations`, { token: u.token, body: { type, participants, title: 't' } });
    const source: string = (await open(alice, [bob.id])).body.conversationId;
    const direct: string = (await open(bob, [carol.id], 'direct')).body.conversationId;
    const other: string = (await open(bob, [carol.id])).body.conversationId;
    const original = (await send(alice, source, 'pass it on')).body.message;
    const path = `${M}/conversations/${source}/messages/${original.id}/forward`;
    const first = await api.call('POST', path, { token: bob.token, body: { conversationIds: [direct, other] } });
    expect(first.status).toBe(201);
    expect(first.body.messages).toEqual([
      expect.objectContaining({
        conversationId: direct,
        senderId: bob.id,
        content: 'pass it on',
        isForwarded: true,
        forwardedFromId: original.id,
      }),
      expect.objectContaining({ conversationId: other, isForwarded: true, forwardedFromId: original.id }),
    ]);
    const retry = await api.call('POST', path, { token: bob.token, body: { conversationIds: [direct, other] } });
    expect(retry.status).toBe(200);
    expect(retry.body.messages.map((m: { id: string }) => m.id)).toEqual(
      first.body.messages.map((m: { id: string }) => m.id),
    );
    const seen = await api.call('GET', `${M}/conversations/${direct}/messages`, { token: carol.token });
    expect(seen.body.messages).toEqual([expect.objectContaining({ isForwarded: true, forwardedFromId: original.id })]);
    // carol cannot forward what she cannot see, nor can bob forward into a conversation he is not in
    expect((await api.call('POST', path, { token: carol.token, body: { conversationIds: [direct] } })).status).toBe(
      404,
    );
    expect(
      (await api.call('POST', path, { token: bob.token, body: { conversationIds: [source, 'c_nope'] } })).status,
    ).toBe(404);
    expect((await api.call('POST', path, { token: bob.token, body: { conversationIds: [] } })).status).toBe(400);
  });
});
