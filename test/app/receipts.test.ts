import { describe, expect, it } from 'vitest';
import { getMessageDetail } from '../../shared/app/message-reads.js';
import { sendMessage } from '../../shared/app/messages.js';
import { markDelivered, markRead } from '../../shared/app/receipts.js';
import { withDirect } from '../support/deps.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };

describe('read and delivery receipts', () => {
  it('when read marks move, then only forward and never past the last message, and delivery follows', async () => {
    const { deps, id } = await withDirect();
    for (let i = 0; i < 3; i++) await sendMessage(deps, alice, id, { content: `m${i}` });
    expect((await markRead(deps, bob, id, 99)).result).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
    const back = await markRead(deps, bob, id, 1);
    expect(back.result.lastReadSeq).toBe(3);
    expect(back.pushes).toEqual([]);
    const detail = await getMessageDetail(deps, alice, id, `${id}.2`);
    expect(detail.status).toBe('read');
  });

  it('when readers are in the receipt cache, then message detail needs no store read; with the cache down it still answers', async () => {
    const { deps, id } = await withDirect();
    await sendMessage(deps, alice, id, { content: 'm' });
    await markRead(deps, bob, id, 1);
    let reads = 0;
    const original = deps.store.getMembership.bind(deps.store);
    deps.store.getMembership = (u, c) => {
      reads++;
      return original(u, c);
    };
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).readBy.map((r) => r.userId)).toEqual(['bob']);
    expect(reads).toBe(0);
    deps.ephemeral.readMarks = () => Promise.reject(new Error('redis down'));
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).status).toBe('read');
    expect(reads).toBe(1);
  });

  it('when a recipient device confirms delivery, then the status is delivered and the sender is told', async () => {
    const { deps, id } = await withDirect();
    await sendMessage(deps, alice, id, { content: 'm' });
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).status).toBe('sent');
    const { pushes } = await markDelivered(deps, { userId: 'bob', connectionId: 'c1' }, id, 1);
    expect(pushes[0]).toMatchObject({ target: 'OnMessageDelivered', payload: { userId: 'bob', seq: 1 } });
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).status).toBe('delivered');
  });
});
