import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';

const CLIENTS = 20;
const PER_CLIENT = 50;
const RETRIED_PER_CLIENT = 5;

/** 20 clients × 50 sends into one conversation at once, some retried with the same clientMessageId. */
export function orderingSuite(store: 'memory' | 'cosmos'): void {
  describe(`ordering and idempotency under concurrency (${store})`, () => {
    let stack: LocalStack;
    let api: ReturnType<typeof apiClient>;

    beforeAll(async () => {
      stack = await startLocalStack({
        port: 0,
        signalrPort: 0,
        store,
        quiet: true,
        env: { RATE_LIMIT_SEND_PER_MINUTE: '1000' },
      });
      api = apiClient(stack.baseUrl);
    });
    afterAll(async () => stack?.stop());

    it('when everyone sends at once with retries, then there is exactly one message per clientMessageId and seqs are 1..N without gap or duplicate', async () => {
      const users = Array.from({ length: CLIENTS }, (_, i) => `u${i}`);
      const tokens = await Promise.all(users.map((u) => api.token(u)));
      const created = await api.call('POST', `${M}/conversations`, {
        token: tokens[0],
        body: { type: 'group', participants: users.slice(1), title: 'load' },
      });
      const id: string = created.body.conversationId;

      const sendAll = async (client: number): Promise<{ cmid: string; seq: number }[]> => {
        const results: { cmid: string; seq: number }[] = [];
        for (let n = 0; n < PER_CLIENT; n++) {
          const cmid = `c${client}-m${n}`;
          const send = () =>
            api.call('POST', `${M}/conversations/${id}/messages`, {
              token: tokens[client],
              body: { content: `${cmid}`, clientMessageId: cmid },
            });
          // some sends go twice at the same moment, as a client retrying after a timeout would
          const attempts = n < RETRIED_PER_CLIENT ? await Promise.all([send(), send()]) : [await send()];
          for (const r of attempts) {
            expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
            expect(r.body.tempId).toBe(cmid);
            results.push({ cmid, seq: r.body.message.seq });
          }
        }
        return results;
      };
      const all = (await Promise.all(users.map((_, i) => sendAll(i)))).flat();

      // a retried id got the same seq both times
      const seqById = new Map<string, number>();
      for (const r of all) {
        const prior = seqById.get(r.cmid);
        if (prior !== undefined) expect(r.seq, r.cmid).toBe(prior);
        seqById.set(r.cmid, r.seq);
      }
      const total = CLIENTS * PER_CLIENT;
      expect(seqById.size).toBe(total);

      const stored: { seq: number; clientMessageId: string }[] = [];
      let after = 0;
      for (;;) {
        const page = await api.call('GET', `${M}/conversations/${id}/messages?after=${after}&limit=200`, {
          token: tokens[1],
        });
        stored.push(...page.body.messages);
        if (!page.body.hasMore) break;
        after = page.body.newestSeq;
      }
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(total);
      for (const m of stored) expect(seqById.get(m.clientMessageId)).toBe(m.seq);

      const inbox = await api.call('GET', `${M}/conversations`, { token: tokens[1] });
      expect(inbox.body.conversations[0]).toMatchObject({ conversationId: id, lastSeq: total });
    }, 300_000); // why: 1,100 sends on cosmosdb-server (whose conditional patch scans the container) on 2 shared cores
  });
}
