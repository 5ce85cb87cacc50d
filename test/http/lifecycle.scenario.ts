import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/** The whole conversation/message lifecycle over HTTP through the local host, by two and three users. */
export function lifecycleSuite(store: 'memory' | 'cosmos'): void {
  describe(`HTTP lifecycle (${store})`, () => {
    let stack: LocalStack;
    let api: ReturnType<typeof apiClient>;
    let alice: string, bob: string, carol: string, dave: string;

    beforeAll(async () => {
      stack = await startLocalStack({ port: 0, signalrPort: 0, store, quiet: true });
      api = apiClient(stack.baseUrl);
      [alice, bob, carol, dave] = await Promise.all([
        api.token('alice'),
        api.token('bob'),
        api.token('carol'),
        api.token('dave'),
      ]);
    });
    afterAll(async () => stack?.stop());

    it('when two users chat directly, then messages, receipts, edits, reactions, deletes and the inbox agree', async () => {
      const created = await api.call('POST', `${M}/conversations`, {
        token: alice,
        body: { type: 'direct', participants: ['bob'] },
      });
      expect(created.status).toBe(201);
      const id: string = created.body.conversationId;
      expect(created.body.conversation.participants.map((p: any) => p.userId).sort()).toEqual(['alice', 'bob']);

      const again = await api.call('POST', `${M}/conversations`, {
        token: bob,
        body: { type: 'direct', participants: ['alice'] },
      });
      expect(again.status).toBe(200);
      expect(again.body.conversationId).toBe(id);

      const s1 = await api.call('POST', `${M}/conversations/${id}/messages`, {
        token: alice,
        body: { content: 'hello bob', clientMessageId: 'a-1' },
      });
      expect(s1.status).toBe(201);
      expect(s1.body.tempId).toBe('a-1');
      expect(s1.body.message).toMatchObject({
        conversationId: id,
        seq: 1,
        senderId: 'alice',
        type: 'text',
        content: 'hello bob',
        clientMessageId: 'a-1',
      });
      expect(typeof s1.body.message.id).toBe('string');
      expect(typeof s1.body.message.createdAt).toBe('string');
      const retry = await api.call('POST', `${M}/conversations/${id}/messages`, {
        token: alice,
        body: { content: 'hello bob', clientMessageId: 'a-1' },
      });
      expect(retry.status).toBe(200);
      expect(retry.body.message.id).toBe(s1.body.message.id);

      const s2 = await api.call('POST', `${M}/conversations/${id}/messages`, {
        token: bob,
        body: { content: 'hi alice', replyToMessageId: s1.body.message.id, mentions: ['alice'] },
      });
      expect(s2.body.message).toMatchObject({ seq: 2, replyToMessageId: s1.body.message.id, mentions: ['alice'] });

      const inboxBob = await api.call('GET', `${M}/conversations`, { token: bob });
      expect(inboxBob.status).toBe(200);
      // replying advanced bob's own read mark past alice's message
      expect(inboxBob.body.conversations[0]).toMatchObject({ conversationId: id, unreadCount: 0, lastSeq: 2 });
      expect(inboxBob.body.unreadTotal).toBe(0);
      expect(inboxBob.body.conversations[0].lastMessage.preview).toBe('hi alice');

      const inboxAlice = await api.call('GET', `${M}/conversations`, { token: alice });
      expect(inboxAlice.body.conversations[0].unreadCount).toBe(1); // bob's reply
      expect(inboxAlice.body.unreadTotal).toBe(1);

      const read = await api.call('POST', `${M}/conversations/${id}/read`, { token: alice, body: { seq: 2 } });
      expect(read.body).toMatchObject({ lastReadSeq: 2, unreadCount: 0 });
      const back = await api.call('POST', `${M}/conversations/${id}/read`, { token: alice, body: { seq: 1 } });
      expect(back.body.lastReadSeq).toBe(2);

      const detail = await api.call('GET', `${M}/conversations/${id}/messages/${s2.body.message.id}`, { token: bob });
      expect(detail.body.readBy.map((r: any) => r.userId)).toEqual(['alice']);
      expect(detail.body.message.status).toBe('read');

      const edit = await api.call('PUT', `${M}/conversations/${id}/messages/${s1.body.message.id}`, {
        token: alice,
        body: { content: 'hello Bob!' },
      });
      expect(edit.body.message).toMatchObject({ content: 'hello Bob!', isEdited: true });
      expect(edit.body.message.editHistory).toEqual([expect.objectContaining({ content: 'hello bob' })]);
      expectProblem(
        await api.call('PUT', `${M}/conversations/${id}/messages/${s1.body.message.id}`, {
          token: bob,
          body: { content: 'hijack' },
        }),
        403,
        /sender/,
      );

      expect(
        (
          await api.call('POST', `${M}/conversations/${id}/messages/${s1.body.message.id}/react`, {
            token: bob,
            body: { reaction: '👍' },
          })
        ).status,
      ).toBe(200);
      const withReaction = await api.call('GET', `${M}/conversations/${id}/messages/${s1.body.message.id}`, {
        token: alice,
      });
      expect(withReaction.body.reactions).toEqual([{ reaction: '👍', userIds: ['bob'], count: 1 }]);
      expect(
        (
          await api.call('DELETE', `${M}/conversations/${id}/messages/${s1.body.message.id}/react`, {
            token: bob,
            body: { reaction: '👍' },
          })
        ).status,
      ).toBe(204);

      expect(
        (await api.call('DELETE', `${M}/conversations/${id}/messages/${s2.body.message.id}`, { token: alice })).status,
      ).toBe(204); // for me
      const aliceView = await api.call('GET', `${M}/conversations/${id}/messages`, { token: alice });
      expect(aliceView.body.messages.map((m: any) => m.seq)).toEqual([1]);
      const bobView = await api.call('GET', `${M}/conversations/${id}/messages`, { token: bob });
      expect(bobView.body.messages.map((m: any) => m.seq)).toEqual([1, 2]);
      expectProblem(
        await api.call('DELETE', `${M}/conversations/${id}/messages/${s1.body.message.id}?forEveryone=true`, {
          token: bob,
        }),
        403,
      );
      expect(
        (
          await api.call('DELETE', `${M}/conversations/${id}/messages/${s1.body.message.id}?forEveryone=true`, {
            token: alice,
          })
        ).status,
      ).toBe(204);
      const tomb = await api.call('GET', `${M}/conversations/${id}/messages?includeDeleted=true`, { token: bob });
      expect(tomb.body.messages[0]).toMatchObject({ seq: 1, isDeleted: true, content: '' });

      const found = await api.call('GET', `${M}/messages/search?query=HI%20ALICE`, { token: bob });
      expect(found.body.results.map((r: any) => r.message.seq)).toEqual([2]);
      expect((await api.call('GET', `${M}/messages/search?query=hi%20alice`, { token: carol })).body.results).toEqual(
        [],
      );
    });

    it('when three users share a group, then roles, participants, paging and settings behave', async () => {
      const g = await api.call('POST', `${M}/conversations`, {
        token: alice,
        body: { type: 'group', participants: ['bob', 'carol'], title: 'Trip', initialMessage: 'welcome' },
      });
      expect(g.status).toBe(201);
      const id: string = g.body.conversationId;
      expect(g.body.conversation.lastSeq).toBe(1);

      expectProblem(
        await api.call('PUT', `${M}/conversations/${id}`, { token: bob, body: { title: 'Mine' } }),
        403,
        /admin/,
      );
      const renamed = await api.call('PUT', `${M}/conversations/${id}`, {
        token: alice,
        body: { title: 'Trip 2026', description: 'plans' },
      });
      expect(renamed.body.conversation).toMatchObject({ title: 'Trip 2026', description: 'plans' });

      expectProblem(
        await api.call('POST', `${M}/conversations/${id}/participants`, { token: bob, body: { userIds: ['dave'] } }),
        403,
      );
      const added = await api.call('POST', `${M}/conversations/${id}/participants`, {
        token: alice,
        body: { userIds: ['dave'] },
      });
      expect(added.body.added).toEqual(['dave']);
      expect((await api.call('GET', `${M}/conversations/${id}/messages`, { token: dave })).status).toBe(200);
      expect(
        (await api.call('DELETE', `${M}/conversations/${id}/participants`, { token: alice, body: { userId: 'dave' } }))
          .status,
      ).toBe(204);
      expectProblem(await api.call('GET', `${M}/conversations/${id}/messages`, { token: dave }), 404);

      for (let i = 2; i <= 30; i++) {
        const who = [alice, bob, carol][i % 3] as string;
        expect(
          (await api.call('POST', `${M}/conversations/${id}/messages`, { token: who, body: { content: `m${i}` } }))
            .status,
        ).toBe(201);
      }
      const newest = await api.call('GET', `${M}/conversations/${id}/messages?limit=10`, { token: carol });
      expect(newest.body.messages.map((m: any) => m.seq)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
      expect(newest.body.hasMore).toBe(true);
      const older = await api.call(
        'GET',
        `${M}/conversations/${id}/messages?before=${newest.body.oldestMessageId}&limit=25`,
        { token: carol },
      );
      expect(older.body.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(older.body.hasMore).toBe(false);
      const forward = await api.call('GET', `${M}/conversations/${id}/messages?after=25&limit=3`, { token: carol });
      expect(forward.body.messages.map((m: any) => m.seq)).toEqual([26, 27, 28]);
      expect(forward.body.hasMore).toBe(true);
      const tail = await api.call('GET', `${M}/conversations/${id}/messages?after=28&limit=3`, { token: carol });
      expect(tail.body).toMatchObject({ hasMore: false, newestMessageId: `${id}.30` });

      expect(
        (
          await api.call('POST', `${M}/conversations/${id}/mute`, {
            token: carol,
            body: { muted: true, until: '2099-01-01T00:00:00Z' },
          })
        ).body.isMuted,
      ).toBe(true);
      expect(
        (await api.call('POST', `${M}/conversations/${id}/pin`, { token: carol, body: { pinned: true } })).body
          .isPinned,
      ).toBe(true);
      const inbox = await api.call('GET', `${M}/conversations?pageSize=1`, { token: carol });
      expect(inbox.body.conversations[0]).toMatchObject({ conversationId: id, isPinned: true, isMuted: true });
      expect(
        (await api.call('POST', `${M}/conversations/${id}/archive`, { token: carol, body: { archived: true } })).body
          .isArchived,
      ).toBe(true);
      const archived = await api.call('GET', `${M}/conversations?archived=true`, { token: carol });
      expect(archived.body.conversations.map((c: any) => c.conversationId)).toEqual([id]);
      const active = await api.call('GET', `${M}/conversations?type=group`, { token: carol });
      expect(active.body.conversations.map((c: any) => c.conversationId)).not.toContain(id);

      // leaving passes ownership on
      expect((await api.call('DELETE', `${M}/conversations/${id}`, { token: alice })).status).toBe(204);
      const parts = await api.call('GET', `${M}/conversations/${id}/participants`, { token: bob });
      expect(parts.body.participants.map((p: any) => p.userId).sort()).toEqual(['bob', 'carol']);
      expect(parts.body.participants.some((p: any) => p.role === 'owner')).toBe(true);
    });

    it('when the inbox is paged, then page/pageSize and continuation tokens cover every conversation once', async () => {
      const eve = await api.token('eve');
      const ids: string[] = [];
      for (const other of ['p1', 'p2', 'p3', 'p4', 'p5']) {
        const c = await api.call('POST', `${M}/conversations`, {
          token: eve,
          body: { type: 'direct', participants: [other] },
        });
        ids.push(c.body.conversationId);
        await api.call('POST', `${M}/conversations/${c.body.conversationId}/messages`, {
          token: eve,
          body: { content: other },
        });
      }
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await api.call(
          'GET',
          `${M}/conversations?pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
          { token: eve },
        );
        seen.push(...page.body.conversations.map((c: any) => c.conversationId));
        token = page.body.continuationToken ?? undefined;
        expect(page.body.hasMore).toBe(token !== undefined);
      } while (token);
      expect(seen).toEqual([...ids].reverse()); // newest activity first
      const page3 = await api.call('GET', `${M}/conversations?page=3&pageSize=2`, { token: eve });
      expect(page3.body.conversations.map((c: any) => c.conversationId)).toEqual([ids[0]]);
      expectProblem(
        await api.call('GET', `${M}/conversations?continuationToken=garbage`, { token: eve }),
        400,
        /continuationToken/,
      );
    });

    it('when a user blocks another, then direct messages stop both ways and drafts are kept per conversation', async () => {
      const c = await api.call('POST', `${M}/conversations`, {
        token: carol,
        body: { type: 'direct', participants: ['dave'] },
      });
      const id = c.body.conversationId;
      expect(
        (await api.call('POST', `${M}/blocks`, { token: dave, body: { userId: 'carol', reason: 'spam' } })).status,
      ).toBe(201);
      expect((await api.call('GET', `${M}/blocks`, { token: dave })).body.blocked.map((b: any) => b.userId)).toEqual([
        'carol',
      ]);
      expectProblem(
        await api.call('POST', `${M}/conversations/${id}/messages`, { token: carol, body: { content: 'hey' } }),
        403,
        /block/,
      );
      expectProblem(
        await api.call('POST', `${M}/conversations/${id}/messages`, { token: dave, body: { content: 'hey' } }),
        403,
      );
      expect((await api.call('DELETE', `${M}/blocks/carol`, { token: dave })).status).toBe(204);
      expect(
        (await api.call('POST', `${M}/conversations/${id}/messages`, { token: carol, body: { content: 'hey' } }))
          .status,
      ).toBe(201);

      expect(
        (await api.call('PUT', `${M}/drafts/${id}`, { token: carol, body: { content: 'half a thought' } })).status,
      ).toBe(200);
      expect((await api.call('GET', `${M}/drafts/${id}`, { token: carol })).body.draft.content).toBe('half a thought');
      expect(
        (await api.call('GET', `${M}/drafts`, { token: carol })).body.drafts.map((d: any) => d.conversationId),
      ).toEqual([id]);
      expect((await api.call('GET', `${M}/drafts/${id}`, { token: dave })).body.draft).toBeNull();
      expect((await api.call('DELETE', `${M}/drafts/${id}`, { token: carol })).status).toBe(204);
      expect((await api.call('GET', `${M}/drafts/${id}`, { token: carol })).body.draft).toBeNull();
    });
  });
}
