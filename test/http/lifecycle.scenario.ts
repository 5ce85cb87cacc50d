import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/** The whole conversation/message lifecycle over HTTP through the local host, by two and three users. */
export function lifecycleSuite(store: 'memory' | 'cosmos'): void {
  describe(`HTTP lifecycle (${store})`, () => {
    let stack: LocalStack;
    let api: ReturnType<typeof apiClient>;
    /** Tokens for users only this test uses, so each test runs alone (`-t`) or in any order. */
    const tokens = <N extends string[]>(...userIds: N) =>
      Promise.all(userIds.map((u) => api.token(u))) as Promise<{ [K in keyof N]: string }>;

    beforeAll(async () => {
      stack = await startLocalStack({ port: 0, signalrPort: 0, store, quiet: true });
      api = apiClient(stack.baseUrl);
    });
    afterAll(async () => stack?.stop());

    it('when two users chat directly, then messages, receipts, edits, reactions, deletes and the inbox agree', async () => {
      const [alice, bob, oscar] = await tokens('alice', 'bob', 'oscar');
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
      expect((await api.call('GET', `${M}/messages/search?query=hi%20alice`, { token: oscar })).body.results).toEqual(
        [],
      );
    });

    it('when three users share a group, then roles, participants, paging and settings behave', async () => {
      const [gina, hal, ivy, jack] = await tokens('gina', 'hal', 'ivy', 'jack');
      const g = await api.call('POST', `${M}/conversations`, {
        token: gina,
        body: { type: 'group', participants: ['hal', 'ivy'], title: 'Trip', initialMessage: 'welcome' },
      });
      expect(g.status).toBe(201);
      const id: string = g.body.conversationId;
      expect(g.body.conversation.lastSeq).toBe(1);

      expectProblem(
        await api.call('PUT', `${M}/conversations/${id}`, { token: hal, body: { title: 'Mine' } }),
        403,
        /admin/,
      );
      const renamed = await api.call('PUT', `${M}/conversations/${id}`, {
        token: gina,
        body: { title: 'Trip 2026', description: 'plans' },
      });
      expect(renamed.body.conversation).toMatchObject({ title: 'Trip 2026', description: 'plans' });

      expectProblem(
        await api.call('POST', `${M}/conversations/${id}/participants`, { token: hal, body: { userIds: ['jack'] } }),
        403,
      );
      const added = await api.call('POST', `${M}/conversations/${id}/participants`, {
        token: gina,
        body: { userIds: ['jack'] },
      });
      expect(added.body.added).toEqual(['jack']);
      expect((await api.call('GET', `${M}/conversations/${id}/messages`, { token: jack })).status).toBe(200);
      expect(
        (await api.call('DELETE', `${M}/conversations/${id}/participants`, { token: gina, body: { userId: 'jack' } }))
          .status,
      ).toBe(204);
      expectProblem(await api.call('GET', `${M}/conversations/${id}/messages`, { token: jack }), 404);

      for (let i = 2; i <= 30; i++) {
        const who = [gina, hal, ivy][i % 3] as string;
        expect(
          (await api.call('POST', `${M}/conversations/${id}/messages`, { token: who, body: { content: `m${i}` } }))
            .status,
        ).toBe(201);
      }
      const newest = await api.call('GET', `${M}/conversations/${id}/messages?limit=10`, { token: ivy });
      // 29 sends plus three typed system messages (the rename, jack added, jack removed) after the first message
      const last = 33;
      const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      expect(newest.body.messages.map((m: any) => m.seq)).toEqual(seqs(last - 9, last));
      expect(newest.body.hasMore).toBe(true);
      const older = await api.call(
        'GET',
        `${M}/conversations/${id}/messages?before=${newest.body.oldestMessageId}&limit=25`,
        { token: ivy },
      );
      expect(older.body.messages.map((m: any) => m.seq)).toEqual(seqs(1, last - 10));
      expect(older.body.hasMore).toBe(false);
      const forward = await api.call('GET', `${M}/conversations/${id}/messages?after=${last - 5}&limit=3`, {
        token: ivy,
      });
      expect(forward.body.messages.map((m: any) => m.seq)).toEqual(seqs(last - 4, last - 2));
      expect(forward.body.hasMore).toBe(true);
      const tail = await api.call('GET', `${M}/conversations/${id}/messages?after=${last - 2}&limit=3`, { token: ivy });
      expect(tail.body).toMatchObject({ hasMore: false, newestMessageId: `${id}.${last}` });

      expect(
        (
          await api.call('POST', `${M}/conversations/${id}/mute`, {
            token: ivy,
            body: { muted: true, until: '2099-01-01T00:00:00Z' },
          })
        ).body.isMuted,
      ).toBe(true);
      expect(
        (await api.call('POST', `${M}/conversations/${id}/pin`, { token: ivy, body: { pinned: true } })).body.isPinned,
      ).toBe(true);
      // a newer conversation with fresher activity: the pinned group still comes first
      const dm = await api.call('POST', `${M}/conversations`, {
        token: ivy,
        body: { type: 'direct', participants: ['hal'], initialMessage: 'newer' },
      });
      expect(dm.status).toBe(201);
      const inbox = await api.call('GET', `${M}/conversations?pageSize=1`, { token: ivy });
      expect(inbox.body.conversations.map((c: any) => c.conversationId)).toEqual([id]);
      expect(inbox.body.conversations[0]).toMatchObject({ isPinned: true, isMuted: true });
      expect(
        (await api.call('POST', `${M}/conversations/${id}/archive`, { token: ivy, body: { archived: true } })).body
          .isArchived,
      ).toBe(true);
      const archived = await api.call('GET', `${M}/conversations?archived=true`, { token: ivy });
      expect(archived.body.conversations.map((c: any) => c.conversationId)).toEqual([id]);
      const active = await api.call('GET', `${M}/conversations`, { token: ivy });
      expect(active.body.conversations.map((c: any) => c.conversationId)).toEqual([dm.body.conversationId]);
      const activeGroups = await api.call('GET', `${M}/conversations?type=group`, { token: ivy });
      expect(activeGroups.body.conversations).toEqual([]);

      // leaving passes ownership on
      expect((await api.call('DELETE', `${M}/conversations/${id}`, { token: gina })).status).toBe(204);
      const parts = await api.call('GET', `${M}/conversations/${id}/participants`, { token: hal });
      expect(parts.body.participants.map((p: any) => p.userId).sort()).toEqual(['hal', 'ivy']);
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
      const [kim, leo] = await tokens('kim', 'leo');
      const c = await api.call('POST', `${M}/conversations`, {
        token: kim,
        body: { type: 'direct', participants: ['leo'] },
      });
      const id = c.body.conversationId;
      expect(
        (await api.call('POST', `${M}/blocks`, { token: leo, body: { userId: 'kim', reason: 'spam' } })).status,
      ).toBe(201);
      expect((await api.call('GET', `${M}/blocks`, { token: leo })).body.blocked.map((b: any) => b.userId)).toEqual([
        'kim',
      ]);
      expectProblem(
        await api.call('POST', `${M}/conversations/${id}/messages`, { token: kim, body: { content: 'hey' } }),
        403,
        /block/,
      );
      expectProblem(
        await api.call('POST', `${M}/conversations/${id}/messages`, { token: leo, body: { content: 'hey' } }),
        403,
      );
      expect((await api.call('DELETE', `${M}/blocks/kim`, { token: leo })).status).toBe(204);
      expect(
        (await api.call('POST', `${M}/conversations/${id}/messages`, { token: kim, body: { content: 'hey' } })).status,
      ).toBe(201);

      expect(
        (await api.call('PUT', `${M}/drafts/${id}`, { token: kim, body: { content: 'half a thought' } })).status,
      ).toBe(200);
      expect((await api.call('GET', `${M}/drafts/${id}`, { token: kim })).body.draft.content).toBe('half a thought');
      expect(
        (await api.call('GET', `${M}/drafts`, { token: kim })).body.drafts.map((d: any) => d.conversationId),
      ).toEqual([id]);
      expect((await api.call('GET', `${M}/drafts/${id}`, { token: leo })).body.draft).toBeNull();
      expect((await api.call('DELETE', `${M}/drafts/${id}`, { token: kim })).status).toBe(204);
      expect((await api.call('GET', `${M}/drafts/${id}`, { token: kim })).body.draft).toBeNull();
    });
  });
}
