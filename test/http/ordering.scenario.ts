import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';

/**
 * 20 clients sending at once is what makes seq allocation contend; more messages per client only repeat the same
 * race, and on cosmosdb-server each round costs about a second of contention backoff.
 */
const CLIENTS = 20;
const PER_CLIENT = 10;
/** Every 2nd send goes twice at once (100 retried ids in all), spread over the run rather than bunched at the start. */
const RETRY_EVERY = 2;
/** Below the total, so reading back crosses pages. */
const PAGE = 50;

/** 20 clients × 10 sends into one conversation at once, every 2nd retried with the same clientMessageId. */
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
        // why SPAM_REPEAT_MAX: the memory and cosmos runs send the same texts as the same users through one Redis
        env: { RATE_LIMIT_SEND_PER_MINUTE: '1000', SPAM_REPEAT_MAX: '1000' },
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
          const attempts = n % RETRY_EVERY === 0 ? await Promise.all([send(), send()]) : [await send()];
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
      let pages = 0;
      for (;;) {
        const page = await api.call('GET', `${M}/conversations/${id}/messages?after=${after}&limit=${PAGE}`, {
          token: tokens[1],
        });
        stored.push(...page.body.messages);
        pages++;
        if (!page.body.hasMore) break;
        after = page.body.newestSeq;
      }
      expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(pages).toBe(total / PAGE);
      expect(new Set(stored.map((m) => m.clientMessageId)).size).toBe(total);
      for (const m of stored) expect(seqById.get(m.clientMessageId)).toBe(m.seq);

      const inbox = await api.call('GET', `${M}/conversations`, { token: tokens[1] });
      expect(inbox.body.conversations[0]).toMatchObject({ conversationId: id, lastSeq: total });
    }, 120_000); // why: 300 contended sends on cosmosdb-server take 15–30 s on 2 busy shared cores
  });
}
